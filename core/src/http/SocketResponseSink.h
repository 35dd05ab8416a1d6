#pragma once
// Puts an Exchange's answer on the wire: the head is serialised by appendResponseHead() and
// written straight to the connection's socket, together with the body when it is small, so a
// buffered answer is one send. Poco's HTTPServerResponse is not used (it would copy every header
// into its own collection and format it through an ostream). The keep-alive decision is a plain
// bool that the connection loop owns and reads back after the request.
//
// The last bytes of an answer (a buffered answer's tail, a stream's terminating chunk) are held
// back until flush(), which the request handler calls after the completion hooks have run: a
// client that has its whole answer can rely on the hooks having finished (the idempotency key
// released and its answer stored, the rate-limit tokens accounted), as it could when Poco's
// buffered response stream was flushed at its destruction.
//
// HTTP/1.1 as Poco's response did it: HEAD answers carry the head only (with the Content-Length
// or Transfer-Encoding the GET would have), streams are chunked and end with the zero-length
// chunk; an HTTP/1.0 client cannot take chunks, so its stream is sent raw and the connection
// closes after it.

#include "portico/Exchange.h"
#include "Poco/Net/StreamSocket.h"
#include <string>

namespace portico {

class SocketResponseSink : public ResponseSink
{
public:
    /// `version` is the request's ("HTTP/1.1", "HTTP/1.0"; it must outlive the sink).
    /// `keepAlive` is the connection's decision: it is announced in the head, and set to false
    /// when the connection must close (a failed send, an HTTP/1.0 stream).
    /// `headRequest`: the request was HEAD, so no body is sent.
    SocketResponseSink(Poco::Net::StreamSocket& socket, const std::string& version, bool& keepAlive,
                       bool headRequest)
        : socket_(socket), version_(version), keepAlive_(keepAlive), headRequest_(headRequest)
    {
    }
    /// Flushes what is still held back; never throws.
    ~SocketResponseSink() override;

    /// Throws Poco::Net::NetException (or a subclass) when the client is gone.
    void sendWhole(const Response& response) override;
    bool beginStream(const Response& response) override;
    bool writeChunk(std::string_view chunk) override;
    void endStream() override;

    /// Sends what is held back (see above). Never throws: a client that left by now only
    /// means the connection closes.
    void flush();

private:
    enum class StreamMode
    {
        None,       ///< no stream begun (or it has ended)
        Chunked,    ///< HTTP/1.1: chunked transfer coding
        UntilClose, ///< HTTP/1.0: raw bytes, the connection closes after the stream
        HeadOnly    ///< HEAD: the head was sent, chunks are dropped
    };

    /// Sends all of `data`; on failure marks the connection for closing and throws.
    void send(const char* data, std::size_t size);

    Poco::Net::StreamSocket& socket_;
    const std::string& version_;
    bool& keepAlive_;
    const bool headRequest_;
    StreamMode mode_ = StreamMode::None;
    std::string buffer_;  ///< the bytes being put together for one send
    std::string pending_; ///< held back until flush()
};

} // namespace portico
