#include "AttemptTrace.h"
#include "portico/Attributes.h"
#include "portico/Traceparent.h"

namespace portico::openai {

void AttemptTrace::begin(const Exchange& exchange, HeaderList& requestHeaders)
{
    const std::string* outgoing = exchange.find(attr::TraceparentOut);
    if (!outgoing)
        return;
    std::optional<Traceparent> parent = Traceparent::parse(*outgoing);
    if (!parent)
        return;
    traced_ = true;
    wallStart_ = std::chrono::system_clock::now();
    start_ = std::chrono::steady_clock::now();
    spanId_ = newSpanId();
    // The upstream's parent is this attempt, not the gateway's server span: retries and
    // fallbacks then show as separate subtrees in the trace.
    parent->parentId = spanId_;
    requestHeaders.set("traceparent", parent->format());
}

void AttemptTrace::end(Exchange& exchange, const UpstreamEndpoint& endpoint, const std::string& outcome,
                       const char* api)
{
    if (!traced_ || ended_)
        return;
    ended_ = true;
    using namespace std::chrono;
    const auto startNs = duration_cast<nanoseconds>(wallStart_.time_since_epoch()).count();
    const auto tookNs = duration_cast<nanoseconds>(steady_clock::now() - start_).count();
    std::string line = std::to_string(startNs) + ' ' + std::to_string(tookNs) + ' ' + spanId_ + ' ' +
                       (outcome.empty() ? std::string("-") : outcome) + ' ' + endpoint.host + ':' +
                       std::to_string(endpoint.port) + ' ' + (endpoint.name.empty() ? std::string("-") : endpoint.name) +
                       ' ' + api + '\n';
    if (const std::string* before = exchange.find(attr::UpstreamAttempts))
        line.insert(0, *before);
    exchange.set(attr::UpstreamAttempts, std::move(line));
}

} // namespace portico::openai
