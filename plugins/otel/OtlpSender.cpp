#include "OtlpSender.h"
#include "Poco/DeflatingStream.h"
#include "Poco/Net/Context.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/HTTPSClientSession.h"
#include "Poco/Net/StreamSocket.h"
#include "Poco/NullStream.h"
#include "Poco/StreamCopier.h"
#include <algorithm>
#include <sstream>
#include <sys/socket.h>

namespace portico::otel {

namespace {

void write(std::ostream& out, std::string_view piece)
{
    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
}

void write(std::ostream& out, const OtlpBatch::Body& body)
{
    write(out, body.head);
    write(out, body.spans);
    write(out, body.tail);
}

/// Sends all of `piece` on `socket` (with MSG_MORE when `more` follows, so that the kernel
/// does not push a short segment between pieces).
void sendAll(Poco::Net::StreamSocket& socket, std::string_view piece, bool more)
{
    constexpr std::size_t MaxSend = 1 << 24; // sendBytes takes an int
    while (!piece.empty())
    {
        const std::size_t size = std::min(piece.size(), MaxSend);
        const bool last = size == piece.size() && !more;
        const int sent = socket.sendBytes(piece.data(), static_cast<int>(size), last ? 0 : MSG_MORE);
        if (sent <= 0)
            throw Poco::IOException("the collector's connection closed while sending");
        piece.remove_prefix(static_cast<std::size_t>(sent));
    }
}

std::string gzipped(const OtlpBatch::Body& body)
{
    std::ostringstream out;
    Poco::DeflatingOutputStream deflate(out, Poco::DeflatingStreamBuf::STREAM_GZIP);
    write(deflate, body);
    deflate.close();
    return out.str();
}

} // namespace

OtlpSender::OtlpSender(const OtelConfig& config) : config_(config), uri_(config.url) {}

OtlpSender::~OtlpSender() = default;

std::unique_ptr<Poco::Net::HTTPClientSession> OtlpSender::session()
{
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri_.getScheme() == "https")
    {
        // The system's CAs, full verification: a collector is reached over the network with
        // the headers' credentials.
        static const Poco::Net::Context::Ptr context = new Poco::Net::Context(
            Poco::Net::Context::TLS_CLIENT_USE, "", "", "", Poco::Net::Context::VERIFY_RELAXED, 9, true);
        session = std::make_unique<Poco::Net::HTTPSClientSession>(uri_.getHost(), uri_.getPort(), context);
    }
    else
        session = std::make_unique<Poco::Net::HTTPClientSession>(uri_.getHost(), uri_.getPort());
    const Poco::Timespan timeout(static_cast<Poco::Timespan::TimeDiff>(config_.exportTimeout.count()) * 1000);
    session->setTimeout(timeout, timeout, timeout);
    session->setKeepAlive(true);
    return session;
}

std::string OtlpSender::send(const OtlpBatch::Body& body)
{
    try
    {
        if (!session_)
            session_ = session();
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri_.getPathEtc(),
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType(config_.protocol == OtelConfig::Protocol::Json ? "application/json"
                                                                               : "application/x-protobuf");
        for (const auto& [name, value] : config_.headers)
            request.set(name, value);
        const std::string compressed = config_.gzip ? gzipped(body) : std::string();
        if (config_.gzip)
            request.set("Content-Encoding", "gzip");
        request.setContentLength(static_cast<std::streamsize>(config_.gzip ? compressed.size() : body.size()));
        request.setKeepAlive(true);
        // Poco writes the head (the flush sends it, reconnecting a keep-alive connection the
        // collector closed); the body goes straight to the socket in whole pieces. Poco's
        // request stream would send it in 4 KiB writes, and over loopback each is a segment
        // the kernel delivers on this CPU.
        session_->sendRequest(request).flush();
        Poco::Net::StreamSocket& socket = session_->socket();
        if (config_.gzip)
            sendAll(socket, compressed, false);
        else
        {
            sendAll(socket, body.head, true);
            sendAll(socket, body.spans, !body.tail.empty());
            sendAll(socket, body.tail, false);
        }
        Poco::Net::HTTPResponse response;
        std::istream& in = session_->receiveResponse(response);
        // Read it all (an OTLP answer is small), so that the connection can be reused.
        Poco::NullOutputStream sink;
        Poco::StreamCopier::copyStream(in, sink);
        const int status = static_cast<int>(response.getStatus());
        if (status >= 200 && status < 300)
        {
            if (!response.getKeepAlive())
                session_.reset();
            return {};
        }
        session_.reset();
        return "answered " + std::to_string(status) + (response.getReason().empty() ? "" : " " + response.getReason());
    }
    catch (const Poco::TimeoutException&)
    {
        session_.reset();
        return "timed out after " + std::to_string(config_.exportTimeout.count()) + " ms (export_timeout_ms)";
    }
    catch (const Poco::Exception& e)
    {
        session_.reset();
        return e.displayText();
    }
    catch (const std::exception& e)
    {
        session_.reset();
        return e.what();
    }
}

} // namespace portico::otel
