#pragma once
// porticod --new-key NAME and --hash-key[=NAME]: making API keys and the keys-file lines for
// them, so that nobody writes a hash by hand.
//
// A keys-file line is "<principal> sha256:<64 lowercase hex of the key>" (the auth plugin's
// format). Keys are "sk-portico-" followed by 43 characters of [A-Za-z0-9] drawn from the
// kernel's CSPRNG (getrandom(2)): 256 bits of randomness.

#include <iosfwd>
#include <string>

namespace portico {

class KeyTool
{
public:
    /// A new random key. Throws std::runtime_error when the kernel's random source fails.
    static std::string generateKey();
    /// "<principal> sha256:<hex>" for `key`.
    static std::string keysFileLine(const std::string& principal, const std::string& key);
    /// 1 to 128 of A-Z a-z 0-9 . _ : @ + - (the auth plugin applies the same rule).
    static bool validPrincipal(const std::string& principal);

    /// --new-key NAME: prints the key (once: it is stored nowhere) and its keys-file line on
    /// `out`, a reminder on `err`. Returns a process exit code.
    static int newKey(const std::string& principal, std::ostream& out, std::ostream& err);
    /// --hash-key[=NAME]: reads a key from `in` (surrounding whitespace, such as echo's newline,
    /// is dropped) and prints its keys-file line. Without NAME the principal is "unnamed".
    /// Returns a process exit code.
    static int hashKey(const std::string& principal, std::istream& in, std::ostream& out, std::ostream& err);
};

} // namespace portico
