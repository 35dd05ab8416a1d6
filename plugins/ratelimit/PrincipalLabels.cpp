#include "PrincipalLabels.h"
#include "Poco/DigestEngine.h"
#include "Poco/SHA2Engine.h"

namespace portico::ratelimit {

std::string PrincipalLabels::hash8(const std::string& name)
{
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(name);
    return Poco::DigestEngine::digestToHex(engine.digest()).substr(0, 8);
}

std::string PrincipalLabels::labelFor(const std::string& name)
{
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = labels_.find(name);
    if (it != labels_.end())
        return it->second;
    if (labels_.size() >= max_)
        return "other";
    return labels_.emplace(name, hash8(name)).first->second;
}

void PrincipalLabels::setMax(std::size_t max)
{
    std::lock_guard<std::mutex> lock(mutex_);
    max_ = max;
}

} // namespace portico::ratelimit
