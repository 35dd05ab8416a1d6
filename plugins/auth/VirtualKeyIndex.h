#pragma once
// The virtual keys a request can be checked against, in memory: an immutable snapshot, digest ->
// key, built from the key store and swapped whole when the store changes (an admin API write on
// this instance at once; another instance's within [admin] refresh_ms). A lookup is one hash
// and one probe whatever the number of keys, like the keys file's (KeyStore.h), and the digests
// of a bucket are compared without an early exit.
//
// Each key's KeyLimiter is carried from one snapshot to the next by id, so its counters survive
// a refresh.

#include "KeyLimiter.h"
#include "KeyStore.h"
#include "VirtualKey.h"
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace portico::auth {

struct ActiveKey
{
    VirtualKey policy;
    std::shared_ptr<KeyLimiter> limiter;
    /// policy.models, one per line (attr::AllowedModels); empty when any model is allowed.
    std::string allowedModels;
};

class VirtualKeyIndex
{
public:
    /// A snapshot of `keys`; limiters of ids that `previous` (may be null) had are kept.
    VirtualKeyIndex(std::vector<std::pair<KeyStore::Digest, VirtualKey>> keys, const VirtualKeyIndex* previous);

    /// The key whose digest is `digest`, or nullptr.
    const ActiveKey* find(const KeyStore::Digest& digest) const;
    std::size_t size() const { return keys_.size(); }
    const std::vector<ActiveKey>& keys() const { return keys_; }

private:
    std::shared_ptr<KeyLimiter> limiterOf(const std::string& id) const;

    std::vector<ActiveKey> keys_;
    std::unordered_map<KeyStore::Digest, std::size_t, KeyStore::DigestHash, KeyStore::DigestEqual> byDigest_;
    std::unordered_map<std::string, std::size_t> byId_;
};

} // namespace portico::auth
