#include "http/SocketResponseSink.h"
#include "http/HttpDate.h"
#include "http/ResponseHead.h"
#include "Poco/Net/HTTPMessage.h"
#include "Poco/Net/NetException.h"
#include <algorithm>

namespace portico {

namespace {

// A body up to this size is copied behind the head and the whole answer is held back until
// flush(); of a larger one, all but its last `heldTail` bytes are sent at once, uncopied
// (TCP_NODELAY is on, so the later sends are not held back).
constexpr std::size_t coalesceLimit = 16 * 1024;
constexpr std::size_t heldTail = 1024;

} // namespace

void SocketResponseSink::send(const char* data, std::size_t size)
{
    try
    {
        while (size > 0)
        {
            const int chunk = static_cast<int>(std::min<std::size_t>(size, 1 << 30));
            const int sent = socket_.sendBytes(data, chunk);
            if (sent <= 0)
                throw Poco::Net::ConnectionResetException("the client closed the connection");
            data += sent;
            size -= static_cast<std::size_t>(sent);
        }
    }
    catch (...)
    {
        keepAlive_ = false;
        throw;
    }
}

void SocketResponseSink::sendWhole(const Response& response)
{
    const std::string_view body = headRequest_ ? std::string_view() : std::string_view(response.body);
    const bool whole = body.size() <= coalesceLimit;
    pending_.clear();
    pending_.reserve(512 + (whole ? body.size() : heldTail));
    appendResponseHead(pending_, response,
                       {version_, keepAlive_, BodyFraming::ContentLength,
                        response.body.size(), httpDateNow()});
    if (whole)
    {
        pending_.append(body.data(), body.size());
        return;
    }
    send(pending_.data(), pending_.size());
    send(body.data(), body.size() - heldTail);
    pending_.assign(body.data() + body.size() - heldTail, heldTail);
}

bool SocketResponseSink::beginStream(const Response& response)
{
    BodyFraming framing = BodyFraming::Chunked;
    if (headRequest_)
        mode_ = StreamMode::HeadOnly;
    else if (version_ == Poco::Net::HTTPMessage::HTTP_1_0)
    {
        mode_ = StreamMode::UntilClose;
        framing = BodyFraming::UntilClose;
        keepAlive_ = false; // the end of the body is the end of the connection
    }
    else
        mode_ = StreamMode::Chunked;
    buffer_.clear();
    ResponseHeadSpec spec{version_, keepAlive_, framing, 0, httpDateNow()};
    spec.stream = true;
    appendResponseHead(buffer_, response, spec);
    try
    {
        send(buffer_.data(), buffer_.size());
        return true;
    }
    catch (const Poco::Exception&)
    {
        mode_ = StreamMode::None;
        return false;
    }
}

bool SocketResponseSink::writeChunk(std::string_view chunk)
{
    try
    {
        switch (mode_)
        {
        case StreamMode::None:
            return false;
        case StreamMode::HeadOnly:
            return true;
        case StreamMode::UntilClose:
            send(chunk.data(), chunk.size());
            return true;
        case StreamMode::Chunked:
            if (chunk.empty())
                return true; // a zero-length chunk would end the body
            buffer_.clear();
            appendChunkSize(buffer_, chunk.size());
            buffer_.append(chunk.data(), chunk.size());
            buffer_ += "\r\n";
            send(buffer_.data(), buffer_.size());
            return true;
        }
    }
    catch (const Poco::Exception&)
    {
        mode_ = StreamMode::None;
    }
    return false;
}

void SocketResponseSink::endStream()
{
    const StreamMode mode = mode_;
    mode_ = StreamMode::None; // once: the terminator must not be sent twice
    if (mode != StreamMode::Chunked)
        return;
    pending_ = "0\r\n\r\n";
}

void SocketResponseSink::flush()
{
    if (pending_.empty())
        return;
    try
    {
        send(pending_.data(), pending_.size());
    }
    catch (...)
    {
        // The client went away at the very end; the connection closes (send() said so).
    }
    pending_.clear();
}

SocketResponseSink::~SocketResponseSink()
{
    flush();
}

} // namespace portico
