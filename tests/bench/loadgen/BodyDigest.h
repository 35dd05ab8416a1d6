#pragma once
/// A digest of a response body with its volatile values normalised, so that two runs of the same
/// request (straight at a server, or relayed through a proxy) can be compared byte for byte:
/// the body is cut into lines as its bytes arrive (any split), each line is normalised, and the
/// normalised lines (each with its '\n') go into a 64-bit FNV-1a hash.
///
/// Normalised, wherever they appear as a JSON key (a `"key"` not preceded by a backslash, then
/// optional white space and ':'):
///   - string values of `id`, `item_id`, `response_id` become "*"  (chatcmpl-…, resp_…, msg_…)
///   - number values of `created`, `created_at`, `completed_at` become 0  (Unix timestamps)
/// Everything else (event framing, white space, the other fields, the text) stays as it was.

#include <cstdint>
#include <string>
#include <string_view>

namespace portico::loadgen {

class BodyDigest
{
public:
    /// keepText: also keep the normalised body (for a sample file; only for a few streams).
    explicit BodyDigest(bool keepText = false) : keepText_(keepText) {}

    /// Decoded (dechunked) body bytes.
    void feed(std::string_view bytes);
    /// The body's end: hashes a last line that has no '\n'.
    void finish();

    std::uint64_t value() const { return hash_; }
    /// Raw body bytes fed (before normalisation).
    unsigned long long bytes() const { return bytes_; }
    /// The normalised body, when kept.
    const std::string& text() const { return text_; }

    /// One line (without its '\n') with the volatile values replaced.
    static std::string normaliseLine(std::string_view line);
    /// The same, appended to `out` (no allocation once `out` has grown).
    static void normaliseInto(std::string_view line, std::string& out);
    /// 16 lower-case hex digits.
    static std::string hex(std::uint64_t value);

private:
    void line(std::string_view text, bool newline);

    bool keepText_;
    std::string partial_;
    std::string scratch_;
    std::string text_;
    std::uint64_t hash_ = 14695981039346656037ULL;
    unsigned long long bytes_ = 0;
};

} // namespace portico::loadgen
