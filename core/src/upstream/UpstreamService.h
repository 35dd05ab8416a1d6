#pragma once
// The core's upstream client behind PluginContext::upstream(): hands out UpstreamClients, one
// per endpoint identity, and owns what they share: the per-loop pools of keep-alive
// connections (UpstreamPool), the TLS contexts (one per CA file) and the resolver.
//
// It outlives every chain (porticod owns it), so pools survive reloads: a chain that is rebuilt
// with the same upstreams keeps its warm connections. The server drops a loop's pools on that
// loop before it stops (dropLoop), so no connection outlives its loop.

#include "portico/Upstream.h"
#include "upstream/Resolver.h"
#include "upstream/UpstreamPool.h"
#include "Poco/Net/Context.h"
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace portico {

class EventLoop;

class UpstreamService
{
public:
    UpstreamService();
    ~UpstreamService();
    UpstreamService(const UpstreamService&) = delete;
    UpstreamService& operator=(const UpstreamService&) = delete;

    /// The client for `endpoint` (shared by equal endpoints). Thread-safe. Throws
    /// Poco::Exception when the TLS context cannot be made (an unreadable CA file).
    std::shared_ptr<UpstreamClient> client(const UpstreamEndpoint& endpoint);

    /// `endpoint`'s pool on `loop` (made on first use). `identity` is endpoint.identity(), which
    /// callers keep (it is built from every setting). Loop thread only.
    std::shared_ptr<UpstreamPool> pool(EventLoop& loop, const std::string& identity, const UpstreamEndpoint& endpoint);
    std::shared_ptr<UpstreamPool> pool(EventLoop& loop, const UpstreamEndpoint& endpoint)
    {
        return pool(loop, endpoint.identity(), endpoint);
    }
    /// Closes `loop`'s idle connections and forgets its pools. Call on the loop's thread,
    /// before it stops.
    void dropLoop(EventLoop& loop);

    Resolver& resolver() { return resolver_; }
    /// The TLS context for `caFile` ("" = the system's CAs): TLS 1.2 minimum, peer verified.
    SSL_CTX* tlsContext(const std::string& caFile);

private:
    using LoopPools = std::map<std::string, std::shared_ptr<UpstreamPool>>;

    std::mutex mutex_;
    std::map<EventLoop*, LoopPools> pools_;
    std::map<std::string, Poco::Net::Context::Ptr> tls_;
    std::map<std::string, std::weak_ptr<UpstreamClient>> clients_;
    Resolver resolver_;
};

} // namespace portico
