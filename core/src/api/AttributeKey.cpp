#include "portico/AttributeKey.h"
#include <atomic>
#include <deque>
#include <mutex>
#include <unordered_map>

namespace portico {

namespace {

// The process-wide table. Names live in a deque, so the pointers keys hold stay valid while it
// grows. Never destroyed: keys in plugin libraries may be used while static destructors run.
struct Table
{
    std::mutex mutex;
    std::deque<std::string> names;
    std::unordered_map<std::string_view, std::uint32_t> ids;
    std::atomic<std::uint32_t> count{0};
};

Table& table()
{
    static Table* instance = new Table;
    return *instance;
}

} // namespace

AttributeKey::AttributeKey(std::string_view name)
{
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    const auto found = t.ids.find(name);
    if (found != t.ids.end())
    {
        id_ = found->second;
        name_ = &t.names[id_];
        return;
    }
    id_ = static_cast<std::uint32_t>(t.names.size());
    t.names.emplace_back(name);
    name_ = &t.names.back();
    t.ids.emplace(std::string_view(*name_), id_);
    t.count.store(id_ + 1, std::memory_order_release);
}

std::uint32_t AttributeKey::count() noexcept
{
    return table().count.load(std::memory_order_acquire);
}

} // namespace portico
