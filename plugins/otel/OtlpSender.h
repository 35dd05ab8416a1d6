#pragma once
/// POSTs encoded batches to the collector's /v1/traces over one keep-alive HTTP(S) connection,
/// with the configured headers, gzip when asked, and the export timeout on connecting, sending
/// and receiving each. Used by the exporter thread only (not thread-safe).

#include "OtelConfig.h"
#include "OtlpBatch.h"
#include "Poco/URI.h"
#include <memory>
#include <string>

namespace Poco::Net {
class HTTPClientSession;
}

namespace portico::otel {

class OtlpSender
{
public:
    explicit OtlpSender(const OtelConfig& config);
    ~OtlpSender();

    /// Sends `body` (already encoded for the configured protocol). Empty on a 2xx answer;
    /// otherwise why not (refused, timed out, "answered 503"), and the connection is dropped
    /// so that the next batch starts on a fresh one.
    std::string send(const OtlpBatch::Body& body);

private:
    std::unique_ptr<Poco::Net::HTTPClientSession> session();

    const OtelConfig& config_;
    const Poco::URI uri_;
    std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

} // namespace portico::otel
