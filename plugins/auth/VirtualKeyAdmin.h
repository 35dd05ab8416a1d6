#pragma once
// What the admin API and the portico-keys CLI do to virtual keys, written once: create a key
// from a policy body (the key is drawn here and returned once), change a policy, revoke. Both
// callers answer in the same JSON (VirtualKeyJson.h); the admin API also reloads its index.

#include "VirtualKeyStore.h"
#include <optional>
#include <string>

namespace portico::auth {

struct CreatedKey
{
    VirtualKey policy;
    /// The key itself: shown once, stored nowhere (only its digest is).
    std::string secret;
};

/// Why a change was refused, for the caller to answer (404, 409).
enum class ChangeRefusal
{
    None,
    NotFound,
    Revoked
};

class VirtualKeyAdmin
{
public:
    explicit VirtualKeyAdmin(VirtualKeyStore& store) : store_(store) {}

    /// A new key with the policy `body` (a JSON object of policy fields; empty: no limits).
    /// Throws PolicyError for a bad body; store errors propagate.
    CreatedKey create(const std::string& body);
    /// Applies `body` to key `id`; the changed policy, or why not.
    std::pair<ChangeRefusal, std::optional<VirtualKey>> update(const std::string& id, const std::string& body);
    /// Revokes key `id` (again: no change); the key as it is now, or nullopt when there is none.
    /// `changed` says whether this call revoked it.
    std::optional<VirtualKey> revoke(const std::string& id, bool& changed);
    /// Key `id`, or nullopt (a malformed id is no key).
    std::optional<VirtualKey> find(const std::string& id);

    /// "{"id":...,...,"key":"sk-portico-..."}": the answer to a create.
    static std::string createdJson(const CreatedKey& created);
    /// "{"object":"list","data":[...]}".
    static std::string listJson(const std::vector<VirtualKey>& keys);

private:
    VirtualKeyStore& store_;
};

} // namespace portico::auth
