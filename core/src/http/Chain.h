#pragma once
// One immutable chain: the plugins in config order and the routes they registered. A reload
// builds a new Chain and swaps it in; requests in flight keep theirs through a shared_ptr.

#include "http/RouteTable.h"
#include "portico/LogFilter.h"
#include "portico/Plugin.h"
#include <atomic>
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
    /// The routes of the public listener (server.listen).
    RouteTable& routes() { return routes_; }
    const RouteTable& routes() const { return routes_; }
    /// The routes of the admin listener ([admin] listen): only those registered with
    /// Listener::Admin.
    RouteTable& adminRoutes() { return adminRoutes_; }
    const RouteTable& adminRoutes() const { return adminRoutes_; }
    const RouteTable& routesFor(Listener listener) const
    {
        return listener == Listener::Admin ? adminRoutes_ : routes_;
    }

    /// Starts the plugins in order (after all have been created and configured).
    void start();

    /// True when a plugin of the chain may block: every request's hooks then run on a worker.
    bool mayBlock() const { return mayBlock_; }
    void setMayBlock(bool mayBlock) { mayBlock_ = mayBlock; }
    /// How many per-request state slots the chain's plugins asked for.
    std::uint32_t stateSlots() const { return stateSlots_; }
    void setStateSlots(std::uint32_t slots) { stateSlots_ = slots; }
    /// How many response headers the chain's answers had at most, so far (capped): an exchange
    /// reserves that many up front. The hooks add a dozen headers one by one, and growing the
    /// list 1, 2, 4, 8, 16 moved every header four times and cost four allocations per answer.
    std::uint32_t responseHeadersHint() const { return responseHeadersHint_.load(std::memory_order_relaxed); }
    void noteResponseHeaders(std::size_t count) const
    {
        const auto seen = static_cast<std::uint32_t>(count < MaxHeadersHint ? count : MaxHeadersHint);
        // Written only when it grows (a few times in a chain's life): no shared line bounces
        // between the loops on the hot path.
        if (seen > responseHeadersHint())
            responseHeadersHint_.store(seen, std::memory_order_relaxed);
    }
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
    RouteTable adminRoutes_;
    std::vector<std::shared_ptr<const LogFilter>> logFilters_;
    bool mayBlock_ = false;
    std::uint32_t stateSlots_ = 0;
    static constexpr std::uint32_t MaxHeadersHint = 32;
    /// A hint only (a race loses a store, never correctness): relaxed.
    mutable std::atomic<std::uint32_t> responseHeadersHint_{0};
    bool started_ = false;
};

} // namespace portico
