#include "http/PocoResponseSink.h"

namespace portico {

void PocoResponseSink::applyHead(const Response& response)
{
    response_.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status));
    response_.setContentType(response.contentType);
    for (const auto& [name, value] : response.headers)
        response_.add(name, value);
}

void PocoResponseSink::sendWhole(const Response& response)
{
    applyHead(response);
    if (!hasRequest_)
    {
        // sendBuffer() writes the body only when a request is attached (it leaves it out for
        // HEAD), so without one it would send Content-Length and no body. send() does not.
        response_.setContentLength64(static_cast<Poco::Int64>(response.body.size()));
        std::ostream& out = response_.send();
        out.write(response.body.data(), static_cast<std::streamsize>(response.body.size()));
        out.flush();
        return;
    }
    // sendBuffer sets Content-Length and leaves the body out for HEAD requests.
    response_.sendBuffer(response.body.data(), response.body.size());
}

bool PocoResponseSink::beginStream(const Response& response)
{
    applyHead(response);
    response_.setChunkedTransferEncoding(true);
    if (!response_.has("Cache-Control"))
        response_.set("Cache-Control", "no-cache");
    // Tells nginx-style proxies in front of us not to buffer the events.
    if (!response_.has("X-Accel-Buffering"))
        response_.set("X-Accel-Buffering", "no");
    stream_ = &response_.send();
    stream_->flush();
    return stream_->good();
}

bool PocoResponseSink::writeChunk(std::string_view chunk)
{
    if (!stream_ || !stream_->good())
        return false;
    stream_->write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    stream_->flush();
    return stream_->good();
}

void PocoResponseSink::endStream()
{
    if (!stream_)
        return;
    // Poco writes the terminating zero-length chunk when it destroys the response after the
    // handler returns; closing it here as well would send it twice (its close() has no guard).
    stream_->flush();
}

} // namespace portico
