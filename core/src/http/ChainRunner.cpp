#include "http/ChainRunner.h"
#include "api/ExchangeControl.h"
#include "portico/Errors.h"
#include "Poco/Logger.h"

namespace portico {

namespace {

std::string join(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

} // namespace

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

void ChainRunner::answerWithServerError(Exchange& exchange, const std::string& who, const std::string& what)
{
    failed_ = true;
    logger_.error(who + " failed on " + exchange.method() + " " + exchange.path() + ": " + what);
    if (exchange.response().committed)
        return;
    ExchangeControl::resetAnswer(exchange);
    ExchangeControl::setAnswerSource(exchange, AnswerSource::Core);
    exchange.respondError(500, "The server had an error while processing your request.", "server_error",
                          "server_error");
}

bool ChainRunner::route(Exchange& exchange)
{
    match_ = chain_.routesFor(exchange.listener()).match(exchange.method(), exchange.path());
    if (match_.route)
    {
        ExchangeControl::setRoute(exchange, match_.route->pattern);
        for (auto& [name, value] : match_.params)
            ExchangeControl::addPathParam(exchange, std::move(name), std::move(value));
        match_.params.clear();
    }
    return chain_.mayBlock() || (match_.route && match_.route->blocking == Blocking::May);
}

void ChainRunner::runRequestPath(Exchange& exchange)
{
    runRequestHooks(exchange);
    if (!exchange.answered() && !exchange.deferred())
        runHandler(exchange);
}

void ChainRunner::runRequestHooks(Exchange& exchange)
{
    ExchangeControl::setAnswerSource(exchange, AnswerSource::Hook);
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
        // A hook that deferred answers the request itself, as respond() would.
        if (exchange.answered() || exchange.deferred())
            return;
    }
}

void ChainRunner::runHandler(Exchange& exchange)
{
    ExchangeControl::setAnswerSource(exchange, AnswerSource::Core);
    if (exchange.bodyTooLarge())
    {
        exchange.respondError(413, "Request body too large.", "invalid_request_error", "request_too_large");
        return;
    }
    const Route* route = match_.route;
    if (!route)
    {
        if (!match_.allowed.empty())
        {
            exchange.respondError(405, "Method " + exchange.method() + " is not allowed for " + exchange.path() +
                                           " (allowed: " + join(match_.allowed) + ").",
                                  "invalid_request_error", "method_not_allowed");
            exchange.response().headers.set("Allow", join(match_.allowed));
        }
        else
            exchange.respondError(404, "Unknown request URL: " + exchange.method() + " " + exchange.path() + ".",
                                  "invalid_request_error", "not_found");
        return;
    }
    ExchangeControl::setAnswerSource(exchange, AnswerSource::Handler);
    try
    {
        route->handler(exchange);
    }
    catch (...)
    {
        answerWithServerError(exchange, "handler of " + route->method + " " + route->pattern, currentExceptionText());
        return;
    }
    if (!exchange.answered() && !exchange.deferred())
        answerWithServerError(exchange, "handler of " + route->method + " " + route->pattern,
                              "it returned without answering");
}

void ChainRunner::answerWithoutRequest(Exchange& exchange, int status, const std::string& message,
                                       const std::string& code)
{
    ran_ = chain_.links().size();
    ExchangeControl::setAnswerSource(exchange, AnswerSource::Core);
    exchange.respondError(status, message, "invalid_request_error", code);
}

bool ChainRunner::runHeadHooks(Exchange& exchange)
{
    const bool wasStream = exchange.response().streamed;
    bool replaced = false;
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
            replaced = true;
        }
    }
    chain_.noteResponseHeaders(exchange.response().headers.size());
    return !(replaced && wasStream);
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

} // namespace portico
