#pragma once
/// An incremental HTTP/1.x response parser for the load generator: bytes go in as they arrive
/// (any split), the status, the keep-alive decision and the decoded body come out. Bodies framed
/// by Content-Length, by chunked transfer encoding, or by the end of the connection. It checks
/// only what a load generator must (framing), not everything a full client would.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace portico::loadgen {

class ResponseParser
{
public:
    /// Gets every piece of the decoded body (dechunked) as it is parsed; may be empty.
    using BodySink = std::function<void(std::string_view)>;

    explicit ResponseParser(BodySink sink = {});

    /// Consumes bytes of the response; returns how many were used. It stops at the end of the
    /// response (done()), so bytes that belong to a next response are left to the caller.
    std::size_t feed(const char* data, std::size_t size);
    /// The peer closed the connection: completes a body framed by the connection's end, fails
    /// any other unfinished response.
    void endOfInput();
    /// Ready for the next response on the same connection.
    void reset();

    bool headComplete() const { return state_ > State::Head; }
    bool done() const { return state_ == State::Done; }
    bool failed() const { return state_ == State::Failed; }
    /// Why it failed (empty unless failed()).
    const std::string& error() const { return error_; }
    /// The status code, once headComplete().
    int status() const { return status_; }
    /// False when the server will close the connection after this response.
    bool keepAlive() const { return keepAlive_; }

private:
    enum class State
    {
        Head,
        FixedBody,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailer,
        UntilClose,
        Done,
        Failed
    };

    bool parseHead();
    void fail(std::string why);
    void emit(const char* data, std::size_t size);

    BodySink sink_;
    State state_ = State::Head;
    std::string line_;
    std::string head_;
    std::string error_;
    int status_ = 0;
    bool keepAlive_ = true;
    unsigned long long remaining_ = 0;
};

} // namespace portico::loadgen
