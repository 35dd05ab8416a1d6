#include "ProxyCall.h"
#include "AnswerHead.h"
#include "AnthropicAnswer.h"
#include "AnthropicRequest.h"
#include "MessagesFromChat.h"
#include "StreamUsage.h"
#include "UpstreamRequest.h"
#include "portico/AsciiCase.h"
#include "portico/Attributes.h"
#include "portico/Json.h"
#include "Poco/Exception.h"
#include "Poco/Logger.h"
#include <cstdlib>

namespace portico::openai {

namespace {

/// How deep StreamUsage scans a request body; deeper bodies go to its Poco fallback.
constexpr std::size_t UsageScanDepth = 256;

/// Retry-After in delta-seconds (an HTTP date is not worth parsing here: upstreams that rate
/// limit send seconds), capped at a day; 0 when absent or unreadable.
std::chrono::seconds retryAfterSeconds(const UpstreamAnswer& answer)
{
    const std::string& value = answer.headers.get("Retry-After", Exchange::empty());
    if (value.empty() || value.size() > 9 || value.find_first_not_of("0123456789") != std::string::npos)
        return std::chrono::seconds(0);
    return std::chrono::seconds(std::min(std::stol(value), 86400L));
}

} // namespace

ProxyCall::ProxyCall(const ProxyTarget& target, std::string apiPath, bool stream)
    : target_(target), apiPath_(std::move(apiPath)), stream_(stream), framer_(target.config.maxEventBytes)
{
}

ProxyCall::ProxyCall(const ProxyTarget& target, std::string apiPath, bool stream, AttemptSettings attempt)
    : ProxyCall(target, std::move(apiPath), stream)
{
    attempt_ = std::move(attempt);
}

ProxyCall::~ProxyCall()
{
    // The call first: destroying it closes a connection still in use (the upstream stops).
    call_.reset();
}

void ProxyCall::start(Exchange& exchange)
{
    exchange_ = &exchange;
    started_ = Clock::now();
    // A /v1/messages request translated to chat (anthropic/ChatFromMessages.h): the client
    // reads Anthropic's shapes.
    answersMessages_ = isAnthropicApiPath(exchange.path()) && endsWith(apiPath_, "/chat/completions");
    const std::string* body = attempt_ ? &attempt_->body : nullptr;
    std::optional<std::string> translated;
    if (target_.config.anthropic())
    {
        if (!translateForAnthropic(exchange, body ? std::string_view(*body) : std::string_view(exchange.body()),
                                   translated))
            return;
        if (translated)
            body = &*translated;
    }
    // A chat stream is asked for its usage (StreamUsage.h), so that its tokens count exactly.
    std::optional<std::string> askingUsage;
    if (stream_ && target_.config.streamUsage && !target_.config.anthropic() && endsWith(apiPath_, "/chat/completions"))
    {
        try
        {
            askingUsage = withStreamUsage(body ? *body : exchange.body(), UsageScanDepth);
        }
        catch (const Poco::Exception&)
        {
            // Not JSON after all (the client sent what the upstream will refuse): as it came.
        }
        if (askingUsage)
        {
            body = &*askingUsage;
            hideUsage_ = true;
        }
    }
    UpstreamClient& client = attempt_ ? *attempt_->client : *target_.client;
    UpstreamRequest request =
        forwardedRequest(exchange, target_.config, translatesChat() ? "/messages" : apiPath_, stream_, body);
    trace_.begin(exchange, request.headers);
    if (attempt_)
        attempt_->body = std::string(); // the request holds its copy
    call_ = client.start(exchange, std::move(request), *this);
}

bool ProxyCall::translateForAnthropic(Exchange& exchange, std::string_view chat, std::optional<std::string>& translated)
{
    const std::string& name = target_.config.name;
    if (apiPath_ == "/messages" || apiPath_ == "/messages/count_tokens")
        return true; // Anthropic's own API (a /v1/messages request): passed on as it came
    if (!endsWith(apiPath_, "/chat/completions"))
    {
        mode_ = Mode::Done;
        exchange.respondError(400,
                              "upstream '" + name + "' speaks Anthropic's Messages API: it serves chat completions, not " +
                                  apiPath_,
                              "invalid_request_error", "unsupported_endpoint");
        return false;
    }
    try
    {
        AnthropicRequestSettings settings;
        settings.defaultMaxTokens = target_.config.defaultMaxTokens;
        translated = anthropicRequestBody(chat, settings);
    }
    catch (const AnthropicRequestError& error)
    {
        // The request, not the deployment, is at fault: answered here, never tried elsewhere.
        mode_ = Mode::Done;
        exchange.respondError(400, std::string(error.what()) + " (upstream '" + name + "' is an Anthropic API)",
                              "invalid_request_error", "unsupported_parameter", error.param());
        return false;
    }
    // The translated stream always ends with its usage chunk (AnthropicStream): it is hidden,
    // as for an OpenAI upstream, from a client that did not ask for it.
    if (stream_)
    {
        try
        {
            hideUsage_ = withStreamUsage(chat, UsageScanDepth).has_value();
        }
        catch (const Poco::Exception&)
        {
            hideUsage_ = true; // cannot happen: the translation read it as a JSON object
        }
    }
    return true;
}

void ProxyCall::feedFramer(std::string_view bytes)
{
    if (!anthropicStream_)
        return framer_.feed(bytes);
    translated_.clear();
    anthropicStream_->feed(bytes, translated_);
    framer_.feed(translated_);
}

void ProxyCall::onHead(const UpstreamAnswer& answer)
{
    if (mode_ != Mode::Waiting)
        return;
    status_ = answer.status;
    contentType_ = answer.contentType;
    retryAfter_ = retryAfterSeconds(answer);
    // Anthropic names its request id request-id.
    const std::string& requestId = target_.config.anthropic() && !answer.headers.has("x-request-id")
                                       ? answer.headers.get("request-id", Exchange::empty())
                                       : answer.headers.get("x-request-id", Exchange::empty());
    if (!requestId.empty())
        exchange_->response().headers.set(UpstreamRequestIdHeader, requestId);
    if (stream_ && status_ == 200 && isEventStream(contentType_))
    {
        mode_ = Mode::Relaying;
        if (translatesChat())
            anthropicStream_.emplace(target_.config.maxEventBytes);
        if (answersMessages_)
            messagesStream_.emplace();
        return;
    }
    // Read whole. A stream request asked the core for no cap (its events are capped one by
    // one), so an answer that is no event stream is capped here, by its declared length first.
    mode_ = Mode::Buffering;
    const std::size_t limit = target_.config.maxBodyBytes;
    const long long declared = declaredLength(answer);
    if (declared >= 0 && static_cast<unsigned long long>(declared) > limit)
    {
        pause();
        fail(tooLarge(target_.config,
                      AnswerTooLarge("the upstream's answer declares a body of " + std::to_string(declared) +
                                         " bytes, more than " + std::to_string(limit),
                                     "max_body_bytes", limit)));
    }
}

void ProxyCall::onBody(std::string_view bytes)
{
    if (mode_ == Mode::Buffering)
    {
        const std::size_t limit = target_.config.maxBodyBytes;
        if (bytes.size() > limit - body_.size())
        {
            pause();
            return fail(tooLarge(target_.config, AnswerTooLarge("the upstream's answer body is larger than " +
                                                                    std::to_string(limit) + " bytes",
                                                                "max_body_bytes", limit)));
        }
        body_.append(bytes.data(), bytes.size());
        return;
    }
    if (mode_ != Mode::Relaying)
        return;
    try
    {
        feedFramer(bytes);
        if (waitingForRoom_)
            return; // resume() relays them
        relayEvents();
    }
    catch (const AnswerTooLarge& error)
    {
        pause();
        fail(tooLarge(target_.config, error));
    }
}

void ProxyCall::onEnd()
{
    callOver_ = true;
    if (mode_ == Mode::Buffering)
        return answerBuffered();
    if (mode_ != Mode::Relaying)
        return;
    upstreamEnded_ = true;
    if (waitingForRoom_)
        return; // resume() finishes once the client has taken the waiting events
    try
    {
        if (!relayEvents())
            return;
    }
    catch (const AnswerTooLarge& error)
    {
        return fail(tooLarge(target_.config, error));
    }
    finishRelay();
}

void ProxyCall::onError(const UpstreamFailure& failure)
{
    callOver_ = true;
    if (mode_ == Mode::Done)
        return;
    ProxyFailure problem = proxyFailure(target_.config, failure);
    if (mode_ == Mode::Relaying && writer_)
    {
        // The whole events that came before the failure go first, as the client has room: the
        // failure waits for resume() while the client is over its high watermark.
        if (waitingForRoom_)
        {
            pendingFailure_ = std::move(problem);
            return;
        }
        try
        {
            if (!relayEvents())
            {
                if (mode_ != Mode::Relaying)
                    return; // the upstream's own error event ended the stream
                if (writer_->open())
                {
                    pendingFailure_ = std::move(problem); // out of room: resume() reports it
                    return;
                }
                // The client is gone: the failure is still logged and counted.
            }
        }
        catch (const AnswerTooLarge&)
        {
            // The failure at hand is reported; this one would only replace it.
        }
    }
    fail(problem);
}

void ProxyCall::resume(Exchange&)
{
    if (mode_ != Mode::Relaying || !waitingForRoom_)
        return;
    waitingForRoom_ = false;
    try
    {
        if (!relayEvents())
            return; // out of room again
    }
    catch (const AnswerTooLarge& error)
    {
        if (pendingFailure_)
            return fail(*pendingFailure_);
        return fail(tooLarge(target_.config, error));
    }
    if (pendingFailure_)
        return fail(*pendingFailure_);
    if (upstreamEnded_)
        return finishRelay();
    if (paused_)
    {
        paused_ = false;
        call_->resume();
    }
}

void ProxyCall::cancel(Exchange&)
{
    if (mode_ != Mode::Done)
    {
        target_.logger->debug("client went away; closed the call to upstream '" + target_.config.name + "'");
        if (mode_ == Mode::Relaying)
            setUsage(framer_.usage()); // what reached the client
        if (status_ != 0)
            record(std::to_string(status_));
        mode_ = Mode::Done;
    }
    call_.reset();
}

bool ProxyCall::relayEvents()
{
    for (;;)
    {
        if (writer_)
        {
            if (!writer_->open())
                return false; // the client is gone: the core cancels
            if (!writer_->ready())
            {
                pause();
                return false;
            }
        }
        const auto event = framer_.next();
        if (!event)
            return true;
        framer_.inspect(*event);
        std::string_view out;
        if (!forClient(*event, out))
            continue;
        if (!writer_)
        {
            if (attempt_ && attempt_->observer)
                attempt_->observer->relaying();
            writer_ = &exchange_->stream(status_, contentType_);
        }
        if (!writer_->write(out))
            return false;
        if (framer_.failed())
        {
            // The upstream reported a failure: the client has its event; the stream must not
            // end as a success (no idempotent replay of it, an error in every completion hook).
            pause(); // nothing after it is read
            fail(reportedFailure(target_.config, framer_.failure()), false);
            return false;
        }
    }
}

void ProxyCall::finishRelay()
{
    mode_ = Mode::Done;
    if (writer_ && !framer_.finished() && !framer_.pending().empty())
    {
        // An unterminated last event: pass it on with the blank line it lacked.
        const std::string tail = std::string(framer_.pending()) + "\n\n";
        framer_.inspect(tail);
        std::string_view out;
        if (forClient(tail, out))
            writer_->write(out);
        if (framer_.failed())
            return fail(reportedFailure(target_.config, framer_.failure()), false);
    }
    if (!framer_.finished())
        return fail(brokenAnswer(target_.config, "the event stream ended before its final event"));
    setUsage(framer_.usage());
    if (!writer_)
    {
        if (attempt_ && attempt_->observer)
            attempt_->observer->relaying();
        writer_ = &exchange_->stream(status_, contentType_);
    }
    writer_->end();
    record(std::to_string(status_));
}

void ProxyCall::answerBuffered()
{
    mode_ = Mode::Done;
    if (translatesChat())
    {
        // What an OpenAI upstream would have answered, for the router and the client alike.
        // Anything that is neither a message nor an Anthropic error goes on as it came.
        std::optional<std::string> chat = status_ >= 200 && status_ < 300 ? chatCompletionFromMessage(body_)
                                                                           : openAiErrorFromAnthropic(body_);
        if (chat)
        {
            body_ = std::move(*chat);
            contentType_ = "application/json";
        }
    }
    AttemptOutcome outcome;
    outcome.status = status_;
    outcome.contentType = contentType_;
    outcome.body = body_;
    outcome.retryAfter = retryAfter_;
    if (handedOver(outcome))
        return record(std::to_string(status_));
    std::optional<Usage> usage;
    if (status_ >= 200 && status_ < 300)
        usage = scanUsage(body_);
    if (answersMessages_)
    {
        // Anything that is neither a completion nor an OpenAI error goes on as it came.
        std::optional<std::string> message = status_ >= 200 && status_ < 300 ? messageFromChatCompletion(body_)
                                                                              : anthropicErrorFromOpenAi(body_, status_);
        if (message)
        {
            body_ = std::move(*message);
            contentType_ = "application/json";
        }
    }
    exchange_->respond(status_, std::move(body_), contentType_.empty() ? std::string("application/json") : contentType_);
    setUsage(usage);
    record(std::to_string(status_));
}

void ProxyCall::fail(const ProxyFailure& failure, bool sendEvent)
{
    const bool relaying = mode_ == Mode::Relaying || (mode_ == Mode::Done && writer_);
    mode_ = Mode::Done;
    if (!writer_)
    {
        AttemptOutcome outcome;
        outcome.failure = &failure;
        if (handedOver(outcome))
            return record(failure.label); // the observer logs what it does next
    }
    target_.logger->warning(failure.message);
    if (!writer_)
        exchange_->respondError(failure.status, failure.message, errorTypeForStatus(failure.status), failure.code);
    else if (exchange_->response().committed && writer_->open() && (!sendEvent || writer_->write(errorEvent(failure, isAnthropicApiPath(exchange_->path())))))
        writer_->fail(); // the error event, then the transfer is cut: the client sees the truncation
    if (relaying)
        setUsage(framer_.usage());
    record(failure.label);
}

bool ProxyCall::forClient(std::string_view event, std::string_view& out)
{
    out = event;
    if (hideUsage_)
    {
        if (!clientView(event, clientEvent_))
            return false; // the usage chunk only the proxy asked for
        out = clientEvent_;
    }
    if (!messagesStream_)
        return true;
    messagesEvent_.clear();
    messagesStream_->translate(out, messagesEvent_);
    out = messagesEvent_;
    return !messagesEvent_.empty();
}

bool ProxyCall::handedOver(const AttemptOutcome& outcome)
{
    if (!attempt_ || !attempt_->observer || exchange_->response().committed)
        return false;
    return attempt_->observer->takeOver(outcome);
}

void ProxyCall::pause()
{
    waitingForRoom_ = true;
    if (paused_ || callOver_ || !call_)
        return;
    paused_ = true;
    call_->pause();
}

void ProxyCall::setUsage(const std::optional<Usage>& usage)
{
    if (!usage)
        return;
    exchange_->set(attr::UsageInputTokens, std::to_string(usage->inputTokens));
    exchange_->set(attr::UsageOutputTokens, std::to_string(usage->outputTokens));
    exchange_->set(attr::UsageCachedInputTokens, std::to_string(usage->cachedInputTokens));
}

void ProxyCall::record(const std::string& label)
{
    const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    exchange_->set(attr::UpstreamMs, std::to_string(static_cast<long long>(seconds * 1000)));
    trace_.end(*exchange_, target_.config.endpoint, label, target_.config.anthropic() ? "anthropic" : "openai");
    target_.metrics->observe(target_.config.name, label, seconds);
}

} // namespace portico::openai
