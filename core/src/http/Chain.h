#pragma once
// One immutable chain: the plugins in config order and the routes they registered. A reload
// builds a new Chain and swaps it in; requests in flight keep theirs through a shared_ptr.

#include "http/RouteTable.h"
#include "portico/LogFilter.h"
#include "portico/Plugin.h"
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace portico {

struct ChainLink
{
    std::string name;
    std::string version;
    std::string file;
    std::unique_ptr<Plugin> plugin;
    /// The library's PORTICO_ABI_MINOR: a hook added in a later minor of the host's major must
    /// only be called on plugins built with it (none yet in major 3).
    std::uint32_t abiMinor = 0;
    /// What the plugin's blocking() said when the chain was built.
    Blocking blocking = Blocking::May;
};

class Chain
{
public:
    Chain() = default;
    /// Stops the plugins in reverse order.
    ~Chain();
    Chain(const Chain&) = delete;
    Chain& operator=(const Chain&) = delete;

    std::vector<ChainLink>& links() { return links_; }
    const std::vector<ChainLink>& links() const { return links_; }
    RouteTable& routes() { return routes_; }
    const RouteTable& routes() const { return routes_; }

    /// Starts the plugins in order (after all have been created and configured).
    void start();

    /// True when a plugin of the chain may block: every request's hooks then run on a worker.
    bool mayBlock() const { return mayBlock_; }
    void setMayBlock(bool mayBlock) { mayBlock_ = mayBlock; }
    /// How many per-request state slots the chain's plugins asked for.
    std::uint32_t stateSlots() const { return stateSlots_; }
    void setStateSlots(std::uint32_t slots) { stateSlots_ = slots; }
    /// The log filters the chain's plugins added, applied while the chain is the running one.
    std::vector<std::shared_ptr<const LogFilter>>& logFilters() { return logFilters_; }
    const std::vector<std::shared_ptr<const LogFilter>>& logFilters() const { return logFilters_; }
    /// The first plugin that is not ready and why ("auth: keys file unreadable"), or empty.
    std::string notReady() const;
    /// A human-readable listing: the chain in order and the routes.
    std::string describe() const;

private:
    std::vector<ChainLink> links_;
    RouteTable routes_;
    std::vector<std::shared_ptr<const LogFilter>> logFilters_;
    bool mayBlock_ = false;
    std::uint32_t stateSlots_ = 0;
    bool started_ = false;
};

} // namespace portico
