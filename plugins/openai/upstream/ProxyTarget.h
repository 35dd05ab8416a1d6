#pragma once
/// One configured upstream as a call sees it: its configuration, the core's client for it (one
/// pool of keep-alive connections per event loop, retries, TLS), and where the call reports
/// (the duration histogram, the plugin's logger). UpstreamProxy owns one per upstream for the
/// life of the chain; calls (ProxyCall, ModelListFetch) refer to it.

#include "UpstreamConfig.h"
#include "UpstreamMetrics.h"
#include "portico/Upstream.h"
#include <memory>

namespace Poco {
class Logger;
}

namespace portico::openai {

struct ProxyTarget
{
    UpstreamConfig config;
    std::shared_ptr<UpstreamClient> client;
    UpstreamMetrics* metrics = nullptr;
    Poco::Logger* logger = nullptr;
};

} // namespace portico::openai
