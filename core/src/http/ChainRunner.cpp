#include "http/ChainRunner.h"
#include "portico/Errors.h"
#include "Poco/Logger.h"

namespace portico {

namespace {

std::string currentExceptionText()
{
    try
    {
        throw;
    }
    catch (const std::exception& e)
    {
        return describeException(e);
    }
    catch (...)
    {
        return "unknown exception";
    }
}

std::string join(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

} // namespace

void ChainRunner::answerWithServerError(Exchange& exchange, const std::string& who, const std::string& what)
{
    failed_ = true;
    logger_.error(who + " failed on " + exchange.method() + " " + exchange.path() + ": " + what);
    if (exchange.response().committed)
        return;
    exchange.resetAnswer();
    exchange.setAnswerSource(AnswerSource::Core);
    exchange.respondError(500, "The server had an error while processing your request.", "server_error",
                          "server_error");
}

void ChainRunner::runRequestHooks(Exchange& exchange)
{
    exchange.setAnswerSource(AnswerSource::Hook);
    const auto& links = chain_.links();
    for (std::size_t i = 0; i < links.size(); ++i)
    {
        ran_ = i + 1;
        try
        {
            links[i].plugin->onRequest(exchange);
        }
        catch (...)
        {
            answerWithServerError(exchange, "plugin " + links[i].name + " (request hook)", currentExceptionText());
            return;
        }
        if (exchange.answered())
            return;
    }
}

void ChainRunner::runHandler(Exchange& exchange, const RouteTable::Match& match)
{
    exchange.setAnswerSource(AnswerSource::Core);
    if (exchange.bodyTooLarge())
    {
        exchange.respondError(413, "Request body too large.", "invalid_request_error", "request_too_large");
        return;
    }
    if (!match.route)
    {
        if (!match.allowed.empty())
        {
            exchange.respondError(405, "Method " + exchange.method() + " is not allowed for " + exchange.path() +
                                           " (allowed: " + join(match.allowed) + ").",
                                  "invalid_request_error", "method_not_allowed");
            exchange.response().headers.set("Allow", join(match.allowed));
        }
        else
            exchange.respondError(404, "Unknown request URL: " + exchange.method() + " " + exchange.path() + ".",
                                  "invalid_request_error", "not_found");
        return;
    }
    exchange.setAnswerSource(AnswerSource::Handler);
    try
    {
        match.route->handler(exchange);
    }
    catch (...)
    {
        answerWithServerError(exchange, "handler of " + match.route->method + " " + match.route->pattern,
                              currentExceptionText());
        return;
    }
    if (!exchange.answered())
        answerWithServerError(exchange, "handler of " + match.route->method + " " + match.route->pattern,
                              "it returned without answering");
}

void ChainRunner::runHeadHooks(Exchange& exchange)
{
    const auto& links = chain_.links();
    for (std::size_t i = ran_; i-- > 0;)
    {
        try
        {
            links[i].plugin->onResponseHead(exchange);
        }
        catch (...)
        {
            // Keep walking: the outer plugins still add their headers to the 500.
            answerWithServerError(exchange, "plugin " + links[i].name + " (response hook)", currentExceptionText());
        }
    }
}

void ChainRunner::observeBody(Exchange& exchange, std::string_view chunk)
{
    const auto& links = chain_.links();
    for (std::size_t i = ran_; i-- > 0;)
    {
        try
        {
            links[i].plugin->onResponseBody(exchange, chunk);
        }
        catch (...)
        {
            failed_ = true;
            logger_.error("plugin " + links[i].name + " (body hook) threw: " + currentExceptionText());
        }
    }
}

void ChainRunner::runCompletionHooks(Exchange& exchange, Outcome outcome)
{
    const auto& links = chain_.links();
    for (std::size_t i = ran_; i-- > 0;)
    {
        try
        {
            links[i].plugin->onComplete(exchange, outcome);
        }
        catch (...)
        {
            logger_.error("plugin " + links[i].name + " (completion hook) threw: " + currentExceptionText());
        }
    }
}

Outcome ChainRunner::run(Exchange& exchange, ResponseSink& sink)
{
    const RouteTable::Match match = chain_.routes().match(exchange.method(), exchange.path());
    if (match.route)
    {
        exchange.setRoute(match.route->pattern);
        for (const auto& [name, value] : match.params)
            exchange.setPathParam(name, value);
    }
    exchange.attach(
        &sink, [this, &exchange] { runHeadHooks(exchange); },
        [this, &exchange](std::string_view chunk) { observeBody(exchange, chunk); });

    runRequestHooks(exchange);
    if (!exchange.answered())
        runHandler(exchange, match);
    return finish(exchange, sink);
}

Outcome ChainRunner::answerWithoutRequest(Exchange& exchange, ResponseSink& sink, int status,
                                          const std::string& message, const std::string& code)
{
    exchange.attach(
        &sink, [this, &exchange] { runHeadHooks(exchange); },
        [this, &exchange](std::string_view chunk) { observeBody(exchange, chunk); });
    ran_ = chain_.links().size();
    exchange.setAnswerSource(AnswerSource::Core);
    exchange.respondError(status, message, "invalid_request_error", code);
    return finish(exchange, sink);
}

Outcome ChainRunner::finish(Exchange& exchange, ResponseSink& sink)
{
    Response& response = exchange.response();
    bool clientGone = false;
    try
    {
        if (!response.committed)
        {
            runHeadHooks(exchange);
            response.committed = true;
            // Decided after the head hooks: one that throws turns a stream into a buffered 500.
            if (response.streamed)
            {
                // A stream that never wrote a byte: send its head, then end it.
                if (sink.beginStream(response))
                    sink.endStream();
                else
                    clientGone = true;
            }
            else
            {
                observeBody(exchange, response.body);
                sink.sendWhole(response);
                response.bytesSent = response.body.size();
            }
        }
        else
        {
            clientGone = response.clientGone;
            if (!clientGone)
                sink.endStream();
        }
    }
    catch (...)
    {
        clientGone = true;
        logger_.debug("client gone while sending " + exchange.method() + " " + exchange.path() + ": " +
                      currentExceptionText());
    }
    const Outcome outcome = clientGone ? Outcome::ClientGone : (failed_ ? Outcome::Error : Outcome::Completed);
    runCompletionHooks(exchange, outcome);
    return outcome;
}

} // namespace portico
