#include "VirtualKeyAdmin.h"
#include "VirtualKeyJson.h"
#include "portico/ApiKey.h"
#include "portico/Json.h"

namespace portico::auth {

CreatedKey VirtualKeyAdmin::create(const std::string& body)
{
    CreatedKey created;
    applyPolicyJson(body, created.policy);
    created.policy.id = newVirtualKeyId();
    created.policy.createdAt = unixSeconds();
    created.secret = generateApiKey();
    store_.insert(created.policy, KeyStore::digestOf(created.secret));
    return created;
}

std::pair<ChangeRefusal, std::optional<VirtualKey>> VirtualKeyAdmin::update(const std::string& id,
                                                                             const std::string& body)
{
    auto key = find(id);
    if (!key)
        return {ChangeRefusal::NotFound, std::nullopt};
    if (key->revokedAt)
        return {ChangeRefusal::Revoked, std::nullopt};
    applyPolicyJson(body, *key);
    if (!store_.update(*key))
        return {ChangeRefusal::NotFound, std::nullopt};
    return {ChangeRefusal::None, std::move(key)};
}

std::optional<VirtualKey> VirtualKeyAdmin::revoke(const std::string& id, bool& changed)
{
    changed = false;
    if (!find(id))
        return std::nullopt;
    // Revoking a revoked key changes nothing and answers the same (a retried DELETE).
    changed = store_.revoke(id, unixSeconds());
    return store_.find(id);
}

std::optional<VirtualKey> VirtualKeyAdmin::find(const std::string& id)
{
    return validVirtualKeyId(id) ? store_.find(id) : std::nullopt;
}

std::string VirtualKeyAdmin::createdJson(const CreatedKey& created)
{
    std::string answer = virtualKeyJson(created.policy);
    answer.insert(answer.size() - 1, ",\"key\":" + jsonString(created.secret));
    return answer;
}

std::string VirtualKeyAdmin::listJson(const std::vector<VirtualKey>& keys)
{
    std::string answer = "{\"object\":\"list\",\"data\":[";
    for (std::size_t i = 0; i < keys.size(); ++i)
        answer += (i ? "," : "") + virtualKeyJson(keys[i]);
    return answer + "]}";
}

} // namespace portico::auth
