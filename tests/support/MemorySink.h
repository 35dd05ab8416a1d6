#pragma once
// A ResponseSink that records what would have gone on the wire, for driving plugins and the
// chain runner through a real Exchange without a socket.

#include "http/ResponseSink.h"
#include "portico/Response.h"
#include <string>
#include <vector>

namespace portico::test {

class MemorySink : public ResponseSink
{
public:
    bool sendWhole(const Response& response) override;
    bool beginStream(const Response& response) override;
    bool writeChunk(std::string_view chunk) override;
    bool ready() const override { return isReady; }
    void endStream() override;
    void abortStream() override;

    /// The head as sent (a copy taken at send time).
    Response sentHead;
    bool sentWhole = false;
    bool streamBegun = false;
    bool streamEnded = false;
    /// The stream was cut (no terminating chunk).
    bool streamAborted = false;
    std::string body;
    std::vector<std::string> chunks;
    /// When set, writes after this many chunks fail (a client that went away).
    int failAfterChunks = -1;
    /// What ready() says (a client over its high watermark: false).
    bool isReady = true;
};

} // namespace portico::test
