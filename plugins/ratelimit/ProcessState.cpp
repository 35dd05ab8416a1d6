#include "ProcessState.h"
#include <map>
#include <mutex>

namespace portico::ratelimit {

namespace {

struct State
{
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<MemoryBucketStore>> stores;
    std::map<std::string, std::shared_ptr<PrincipalLabels>> labels;
};

State& state()
{
    // Deliberately never destroyed: a request thread may still hold a store while static
    // destructors run at exit, and the library is never unloaded anyway.
    static State* instance = new State;
    return *instance;
}

} // namespace

std::shared_ptr<MemoryBucketStore> ProcessState::memoryStore(const std::string& name, const EvictionPolicy& policy)
{
    State& all = state();
    std::lock_guard<std::mutex> lock(all.mutex);
    auto& store = all.stores[name];
    if (store)
        store->setPolicy(policy);
    else
        store = std::make_shared<MemoryBucketStore>(std::make_shared<SteadyClock>(), policy);
    return store;
}

std::shared_ptr<PrincipalLabels> ProcessState::principalLabels(const std::string& name, std::size_t max)
{
    State& all = state();
    std::lock_guard<std::mutex> lock(all.mutex);
    auto& labels = all.labels[name];
    if (labels)
        labels->setMax(max);
    else
        labels = std::make_shared<PrincipalLabels>(max);
    return labels;
}

} // namespace portico::ratelimit
