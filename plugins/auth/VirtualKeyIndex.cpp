#include "VirtualKeyIndex.h"

namespace portico::auth {

VirtualKeyIndex::VirtualKeyIndex(std::vector<std::pair<KeyStore::Digest, VirtualKey>> keys,
                                 const VirtualKeyIndex* previous)
{
    keys_.reserve(keys.size());
    byDigest_.reserve(keys.size());
    byId_.reserve(keys.size());
    for (auto& [digest, policy] : keys)
    {
        std::shared_ptr<KeyLimiter> limiter = previous ? previous->limiterOf(policy.id) : nullptr;
        if (!limiter)
            limiter = std::make_shared<KeyLimiter>();
        const std::size_t index = keys_.size();
        byId_.emplace(policy.id, index);
        byDigest_.emplace(digest, index);
        std::string allowed;
        for (const auto& model : policy.models)
            allowed += (allowed.empty() ? "" : "\n") + model;
        keys_.push_back({std::move(policy), std::move(limiter), std::move(allowed)});
    }
}

const ActiveKey* VirtualKeyIndex::find(const KeyStore::Digest& digest) const
{
    const auto found = byDigest_.find(digest);
    return found == byDigest_.end() ? nullptr : &keys_[found->second];
}

std::shared_ptr<KeyLimiter> VirtualKeyIndex::limiterOf(const std::string& id) const
{
    const auto found = byId_.find(id);
    return found == byId_.end() ? nullptr : keys_[found->second].limiter;
}

} // namespace portico::auth
