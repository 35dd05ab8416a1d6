#include "StreamRelay.h"
#include "portico/Json.h"
#include "Poco/Exception.h"

namespace portico::openai {

namespace {

/// Poco's HTTP streams turn socket errors into badbit and keep the exception on the session.
[[noreturn]] void throwReadError(Poco::Net::HTTPClientSession& session)
{
    if (const Poco::Exception* error = session.networkException())
        error->rethrow();
    throw Poco::IOException("reading the upstream's answer failed");
}

} // namespace

std::string errorEvent(const UpstreamFailure& failure)
{
    std::string frame = "event: error\ndata: ";
    frame += openAiErrorBody(failure.message, errorTypeForStatus(failure.status), failure.code);
    frame += "\n\n";
    return frame;
}

RelayResult relayEvents(std::istream& body, Poco::Net::HTTPClientSession& session, Exchange& exchange,
                        const UpstreamConfig& upstream, int status, const std::string& contentType)
{
    RelayResult result;
    SseFramer framer(upstream.maxEventBytes);
    StreamWriter* out = nullptr;
    char buffer[16384];
    try
    {
        for (;;)
        {
            // Blocks for one socket read at most, then hands over whatever arrived.
            if (body.peek() == std::char_traits<char>::eof())
            {
                if (body.bad())
                    throwReadError(session);
                result.drained = true;
                break;
            }
            const std::streamsize got = body.readsome(buffer, sizeof buffer);
            if (got <= 0)
                continue;
            framer.feed(std::string_view(buffer, static_cast<std::size_t>(got)));
            while (const auto event = framer.next())
            {
                framer.inspect(*event);
                if (!out)
                    out = &exchange.stream(status, contentType);
                if (!out->write(*event))
                {
                    result.clientGone = true;
                    result.usage = framer.usage();
                    result.events = framer.events();
                    return result;
                }
            }
        }
        if (!framer.pending().empty() && out && !framer.finished())
        {
            // An unterminated last event: pass it on with the blank line it lacked.
            const std::string tail = std::string(framer.pending()) + "\n\n";
            framer.inspect(tail);
            if (!out->write(tail))
                result.clientGone = true;
        }
        if (!framer.finished() && !result.clientGone)
            throw Poco::IOException("the event stream ended before its final event");
    }
    catch (const std::exception& error)
    {
        result.drained = false;
        result.failure = exchangeFailure(upstream, error);
    }
    result.usage = framer.usage();
    result.events = framer.events();
    if (result.failure && !result.clientGone)
    {
        if (out && exchange.response().committed)
        {
            // The error event, then the transfer is cut (no terminating chunk): an HTTP client
            // sees the truncation, and every plugin sees a failed exchange.
            if (!out->write(errorEvent(*result.failure)))
                result.clientGone = true;
            else
                out->fail();
        }
        else
            exchange.respondError(result.failure->status, result.failure->message,
                                  errorTypeForStatus(result.failure->status), result.failure->code);
    }
    return result;
}

} // namespace portico::openai
