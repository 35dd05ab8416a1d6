#pragma once
// Puts an Exchange's answer on the wire through Poco's HTTPServerResponse.

#include "portico/Exchange.h"
#include "Poco/Net/HTTPServerResponse.h"
#include <ostream>

namespace portico {

class PocoResponseSink : public ResponseSink
{
public:
    /// `hasRequest` false: `response` has no parsed request attached (a protocol error answered
    /// before a request could be read).
    explicit PocoResponseSink(Poco::Net::HTTPServerResponse& response, bool hasRequest = true)
        : response_(response), hasRequest_(hasRequest)
    {
    }

    void sendWhole(const Response& response) override;
    bool beginStream(const Response& response) override;
    bool writeChunk(std::string_view chunk) override;
    void endStream() override;

private:
    void applyHead(const Response& response);

    Poco::Net::HTTPServerResponse& response_;
    bool hasRequest_;
    std::ostream* stream_ = nullptr;
};

} // namespace portico
