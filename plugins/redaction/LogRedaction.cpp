#include "LogRedaction.h"
#include "RedactingChannel.h"
#include "Poco/Logger.h"
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <vector>

namespace portico::redaction {

namespace {

using Clock = std::chrono::steady_clock;

struct Installation
{
    std::uint64_t id = 0;
    std::shared_ptr<const Redactor> redactor;
    /// One wrapper per original channel, so loggers that shared a channel share its wrapper.
    std::map<const Poco::Channel*, Poco::AutoPtr<RedactingChannel>> wrappers;

    Poco::Channel::Ptr wrapperFor(const Poco::Channel::Ptr& original)
    {
        auto& wrapper = wrappers[original.get()];
        if (!wrapper)
            wrapper = new RedactingChannel(original, redactor, id);
        return wrapper;
    }
};

/// Wrappers taken off their loggers. Poco's Logger::log() calls its channel through a raw
/// pointer without holding a reference, so another thread may still be inside a wrapper that
/// was just replaced; it is kept alive well past any log call before it is released.
struct Retired
{
    Clock::time_point since;
    std::map<const Poco::Channel*, Poco::AutoPtr<RedactingChannel>> wrappers;
};
constexpr auto RetiredLifetime = std::chrono::seconds(60);

std::mutex mutex;
std::vector<Installation> installations; // oldest first
std::deque<Retired> retired;

/// The root logger and every named one, as they are now.
std::vector<Poco::Logger*> allLoggers()
{
    std::vector<std::string> names;
    Poco::Logger::names(names);
    std::set<std::string> unique(names.begin(), names.end());
    unique.insert(""); // the root, whether or not names() lists it
    std::vector<Poco::Logger*> loggers;
    for (const auto& name : unique)
        loggers.push_back(&Poco::Logger::get(name));
    return loggers;
}

/// Sets every logger's channel to `replace(current)` when that differs. A logger created by
/// another thread while a pass runs may copy a parent channel the pass has not reached yet, so
/// passes repeat until one changes nothing (bounded, in case loggers keep being created).
template <typename Replace>
void rewire(Replace replace)
{
    for (int pass = 0; pass < 8; ++pass)
    {
        bool changed = false;
        for (Poco::Logger* logger : allLoggers())
        {
            const Poco::Channel::Ptr current = logger->getChannel();
            if (!current)
                continue;
            const Poco::Channel::Ptr wanted = replace(current);
            if (wanted.get() != current.get())
            {
                logger->setChannel(wanted);
                changed = true;
            }
        }
        if (!changed)
            return;
    }
}

/// The channel under a wrapper of any installation, or the channel itself.
Poco::Channel::Ptr original(const Poco::Channel::Ptr& channel)
{
    if (auto* wrapper = dynamic_cast<const RedactingChannel*>(channel.get()))
        return wrapper->inner();
    return channel;
}

void pruneRetired()
{
    const auto now = Clock::now();
    while (!retired.empty() && now - retired.front().since > RetiredLifetime)
        retired.pop_front();
}

} // namespace

std::uint64_t LogRedaction::newId()
{
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1);
}

void LogRedaction::install(std::uint64_t id, std::shared_ptr<const Redactor> redactor)
{
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& installation : installations)
        if (installation.id == id)
            return;
    installations.push_back(Installation{id, std::move(redactor), {}});
    Installation& self = installations.back();
    rewire([&](const Poco::Channel::Ptr& current) -> Poco::Channel::Ptr {
        auto* wrapper = dynamic_cast<const RedactingChannel*>(current.get());
        if (wrapper && wrapper->owner() == id)
            return current;
        return self.wrapperFor(original(current));
    });
    pruneRetired();
}

void LogRedaction::uninstall(std::uint64_t id)
{
    std::lock_guard<std::mutex> lock(mutex);
    auto found = installations.begin();
    while (found != installations.end() && found->id != id)
        ++found;
    if (found == installations.end())
        return;
    Retired done{Clock::now(), std::move(found->wrappers)};
    installations.erase(found);
    Installation* successor = installations.empty() ? nullptr : &installations.back();
    rewire([&](const Poco::Channel::Ptr& current) -> Poco::Channel::Ptr {
        auto* wrapper = dynamic_cast<const RedactingChannel*>(current.get());
        if (!wrapper || wrapper->owner() != id)
            return current;
        return successor ? successor->wrapperFor(wrapper->inner()) : wrapper->inner();
    });
    pruneRetired();
    retired.push_back(std::move(done));
}

} // namespace portico::redaction
