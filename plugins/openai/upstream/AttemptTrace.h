#pragma once
/// One upstream attempt as the openai plugin publishes it for tracing (the otel plugin makes a
/// client span of it): its own span id, sent upstream in the attempt's `traceparent` so that
/// the upstream's spans are children of the attempt, and one line appended to
/// attr::UpstreamAttempts when the attempt ends (the format is in Attributes.h).
///
/// Nothing is done for a request without attr::TraceparentOut (neither tracing nor otel is
/// on): there is no trace to join, and the proxy then costs what it did before.

#include "portico/Exchange.h"
#include "portico/HeaderList.h"
#include "portico/Upstream.h"
#include <chrono>
#include <string>

namespace portico::openai {

class AttemptTrace
{
public:
    /// The attempt starts: when the exchange carries an outgoing traceparent, a fresh span id
    /// for this attempt goes into `requestHeaders`' traceparent in place of the request's own.
    void begin(const Exchange& exchange, HeaderList& requestHeaders);
    /// The attempt is over with `outcome` (the upstream's status, or a failure label such as
    /// connect_error) at an upstream that speaks `api` ("openai", "anthropic"): its line goes to
    /// attr::UpstreamAttempts. Once; later calls do nothing.
    void end(Exchange& exchange, const UpstreamEndpoint& endpoint, const std::string& outcome, const char* api);

private:
    bool traced_ = false;
    bool ended_ = false;
    std::chrono::system_clock::time_point wallStart_;
    std::chrono::steady_clock::time_point start_;
    std::string spanId_;
};

} // namespace portico::openai
