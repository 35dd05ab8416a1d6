#pragma once
// Puts an Exchange's answer on the wire through Poco's HTTPServerResponse.

#include "portico/Exchange.h"
#include "Poco/Net/HTTPServerResponse.h"
#include <ostream>

namespace portico {

class PocoResponseSink : public ResponseSink
{
public:
    explicit PocoResponseSink(Poco::Net::HTTPServerResponse& response) : response_(response) {}

    void sendWhole(const Response& response) override;
    bool beginStream(const Response& response) override;
    bool writeChunk(std::string_view chunk) override;
    void endStream() override;

private:
    void applyHead(const Response& response);

    Poco::Net::HTTPServerResponse& response_;
    std::ostream* stream_ = nullptr;
};

} // namespace portico
