#pragma once
// A ResponseSink that records what would have gone on the wire, for driving plugins and the
// chain runner through a real Exchange without a socket.

#include "http/ResponseSink.h"
#include "portico/Response.h"
#include <stdexcept>
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

/// A client connection whose write of chunk number `failAt` (from 1) throws, once, inside the
/// writer, as a failing generation step would: the stream's producer sees the failure right
/// after its earlier events went out.
class FailingSink : public MemorySink
{
public:
    explicit FailingSink(int failAt) : failAt_(failAt) {}
    bool writeChunk(std::string_view chunk) override
    {
        if (++writes_ == failAt_)
            throw std::runtime_error("generation failed");
        return MemorySink::writeChunk(chunk);
    }

private:
    const int failAt_;
    int writes_ = 0;
};

} // namespace portico::test
