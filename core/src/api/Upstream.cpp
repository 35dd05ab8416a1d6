#include "portico/Upstream.h"

namespace portico {

UpstreamHandler::~UpstreamHandler() = default;
UpstreamCall::~UpstreamCall() = default;
UpstreamClient::~UpstreamClient() = default;

std::string UpstreamEndpoint::identity() const
{
    return std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(port) + "|ca=" + caFile +
           "|connect=" + std::to_string(connectTimeout.count()) + "|read=" + std::to_string(readTimeout.count()) +
           "|idle=" + std::to_string(idleTimeout.count()) + "|pool=" + std::to_string(poolSize) +
           "|retries=" + std::to_string(retries) + "|backoff=" + std::to_string(retryBackoff.count());
}

const char* UpstreamFailure::code() const
{
    switch (kind)
    {
    case Kind::Connect: return "upstream_unreachable";
    case Kind::Timeout: return "upstream_timeout";
    default: return "upstream_error";
    }
}

} // namespace portico
