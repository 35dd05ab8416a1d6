#pragma once
// The API keys a gateway accepts, as SHA-256 digests with the principal each belongs to.
//
// The keys file holds one "<principal> sha256:<64 lowercase hex of the key>" per line; blank
// lines and lines starting with '#' are ignored, and '#' after the two fields starts a comment.
// The plaintext keys are never stored: a request's key is hashed and the digest looked up.
//
// Lookups are one SHA-256 and one hash-table probe, whatever the number of keys (a gateway
// with 100,000 team keys answers a made-up key as fast as with ten: a linear scan let anyone
// stall auth with wrong keys). The table is keyed by the digest, which an attacker cannot steer
// without SHA-256 preimages, so no bucket can be flooded; the digests in a bucket are compared
// without an early exit. What the probe's timing could tell is something about the digests of
// stored keys, which is worthless without a preimage.

#include "portico/Errors.h"
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace portico::auth {

class KeyStore
{
public:
    using Digest = std::array<unsigned char, 32>;

    struct Entry
    {
        std::string principal;
        Digest digest;
    };

    KeyStore() = default;

    /// Parses the text of a keys file. A malformed line throws ConfigError naming `source` and
    /// the line number; the message never repeats the line's content (it may be a pasted key).
    static KeyStore parse(const std::string& text, const std::string& source);

    /// Reads and parses `file`. Throws KeyFileUnreadable when the file cannot be read, and
    /// ConfigError (as parse) when it is malformed.
    static KeyStore load(const std::string& file);

    /// SHA-256 of `key`.
    static Digest digestOf(std::string_view key);
    /// A digest from its 64 lowercase hex digits (the keys file's and the key store's form);
    /// false for anything else.
    static bool parseDigest(std::string_view hex, Digest& digest);
    /// The 64 lowercase hex digits of `digest`.
    static std::string hexOf(const Digest& digest);

    /// The principal `key` belongs to, or nullptr: its digest looked up in the table (see above).
    const std::string* principalFor(std::string_view key) const;
    /// As principalFor, but the index of the matching entry in entries(), or NotFound.
    std::size_t indexFor(std::string_view key) const;
    /// As indexFor, for a key whose digest is known (auth hashes a key once, for the keys file
    /// and the virtual keys).
    std::size_t indexForDigest(const Digest& digest) const;
    static constexpr std::size_t NotFound = static_cast<std::size_t>(-1);

    std::size_t size() const { return entries_.size(); }
    const std::vector<Entry>& entries() const { return entries_; }

    /// True for 1 to 128 characters of A-Z a-z 0-9 . _ : @ + - (porticod --new-key and
    /// --hash-key apply the same rule).
    static bool validPrincipal(std::string_view principal);

    /// The digest's first 8 bytes: SHA-256 output is uniform, so they are a hash already.
    struct DigestHash
    {
        std::size_t operator()(const Digest& digest) const noexcept
        {
            std::uint64_t word = 0;
            std::memcpy(&word, digest.data(), sizeof word);
            return static_cast<std::size_t>(word);
        }
    };
    /// Digests compared without an early exit.
    struct DigestEqual
    {
        bool operator()(const Digest& a, const Digest& b) const noexcept;
    };

private:
    std::vector<Entry> entries_;
    /// digest -> index in entries_.
    std::unordered_map<Digest, std::size_t, DigestHash, DigestEqual> index_;
};

/// The keys file could not be opened or read (missing, permissions, a directory, too large).
class KeyFileUnreadable : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

} // namespace portico::auth
