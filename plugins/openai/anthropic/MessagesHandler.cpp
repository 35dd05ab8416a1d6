#include "MessagesHandler.h"
#include "AnthropicError.h"
#include "ChatFromMessages.h"
#include "ChatFromMessagesScan.h"
#include "Ids.h"
#include "JsonBody.h"
#include "MessageAnswer.h"
#include "MessagesRequest.h"
#include "MessagesStream.h"
#include "PacedStream.h"
#include "RequestPeek.h"
#include "portico/Attributes.h"
#include "portico/Json.h"
#include <limits>

namespace portico::openai::anthropic {

namespace {

/// The body as a JSON object, or Anthropic's 400.
Poco::JSON::Object::Ptr parseBody(const Exchange& exchange, std::size_t maxDepth)
{
    try
    {
        return parseJsonObject(exchange.body(), maxDepth);
    }
    catch (const RequestError& error)
    {
        throw AnthropicError(error.status(), anthropicErrorType(error.status()), error.what());
    }
}

/// Runs `answer`; an AnthropicError (or the plugin's RequestError) becomes the error answer.
template <typename Answer>
void answering(Exchange& exchange, Answer&& answer)
{
    if (const std::string* traceId = exchange.find(attr::TraceId))
        exchange.response().headers.set("request-id", *traceId);
    try
    {
        answer();
    }
    catch (const AnthropicError& error)
    {
        if (exchange.response().committed)
            throw;
        error.respond(exchange);
    }
    catch (const RequestError& error)
    {
        if (exchange.response().committed)
            throw;
        AnthropicError(error.status(), anthropicErrorType(error.status()), error.what()).respond(exchange);
    }
}

} // namespace

namespace {

/// An upstream has limits of its own: it judges max_tokens.
LocalBackendConfig withoutTokenCap(LocalBackendConfig config)
{
    config.maxOutputTokens = std::numeric_limits<std::int64_t>::max();
    return config;
}

} // namespace

MessagesHandler::MessagesHandler(const LocalBackendConfig& config, OpenAiMetrics& metrics, std::size_t maxJsonDepth,
                                 ModelLookup lookup, UpstreamForward forward, ChatForward chat)
    : config_(config), upstreamLimits_(withoutTokenCap(config)), metrics_(metrics), maxJsonDepth_(maxJsonDepth),
      lookup_(std::move(lookup)), forward_(std::move(forward)), chat_(std::move(chat))
{
}

bool MessagesHandler::translated(Exchange& exchange, const Poco::JSON::Object& body, MessagesRequest::Kind kind) const
{
    const Poco::Dynamic::Var model = body.get("model");
    if (!chat_ || !model.isString() || lookup_(model.extract<std::string>()) != ModelPlace::Upstream)
        return false;
    // Checked as Anthropic checks it (the 400s name the field) before anything goes upstream.
    const MessagesRequest request = MessagesRequest::parse(body, upstreamLimits_, kind);
    exchange.set(attr::Model, request.model);
    if (kind == MessagesRequest::Kind::CountTokens)
    {
        // Chat has no token count: the local tokenizer's estimate.
        exchange.respond(200, countTokensJson(request.inputTokens()));
        return true;
    }
    chat_(exchange, request.model, chatRequestFromMessages(body), request.stream);
    return true;
}

bool MessagesHandler::scannedToChat(Exchange& exchange, const RequestPeek& peek) const
{
    if (!chat_ || lookup_(peek.model) != ModelPlace::Upstream)
        return false;
    // The usual valid requests are checked and translated in one walk; anything else goes
    // through Poco::JSON, MessagesRequest::parse and chatRequestFromMessages (translated()).
    std::optional<std::string> chat = scannedChatRequest(exchange.body(), maxJsonDepth_);
    if (!chat)
        return false;
    exchange.set(attr::Model, peek.model);
    chat_(exchange, peek.model, std::move(*chat), peek.stream);
    return true;
}

Poco::JSON::Object::Ptr MessagesHandler::parsedUnlessPassedOn(Exchange& exchange, const std::string& apiPath) const
{
    // As the chat route does: "model" and "stream" read without a JSON tree when the body is
    // plain, the whole body parsed otherwise (and for the local model, which validates it all).
    const std::optional<RequestPeek> peek = peekRequest(exchange.body(), maxJsonDepth_);
    if (peek && passedOn(exchange, peek->model, peek->stream, apiPath))
        return nullptr;
    if (peek && apiPath == "/messages" && scannedToChat(exchange, *peek))
        return nullptr;
    auto body = parseBody(exchange, maxJsonDepth_);
    if (!peek)
    {
        const Poco::Dynamic::Var model = body->get("model");
        const Poco::Dynamic::Var stream = body->get("stream");
        // A model that is no string is the full validation's to name.
        if (model.isString() &&
            passedOn(exchange, model.extract<std::string>(), stream.isBoolean() && stream.extract<bool>(), apiPath))
            return nullptr;
    }
    return body;
}

bool MessagesHandler::passedOn(Exchange& exchange, const std::string& model, bool stream, const std::string& apiPath) const
{
    if (!forward_ || lookup_(model) != ModelPlace::AnthropicUpstream)
        return false;
    // The upstream checks the rest: its limits and fields are not the local model's.
    exchange.set(attr::Model, model);
    forward_(exchange, model, apiPath, stream);
    return true;
}

void MessagesHandler::admit(Exchange& exchange, const std::string& model) const
{
    switch (lookup_(model))
    {
    case ModelPlace::LocalText: exchange.set(attr::Model, model); return;
    case ModelPlace::LocalEmbeddings:
        throw AnthropicError::invalid("model", "The model '" + model +
                                                   "' does not support messages (it is an embedding model); use "
                                                   "'portico-echo'.");
    case ModelPlace::Upstream:          // translated() takes these
    case ModelPlace::AnthropicUpstream: // and passedOn() these
    case ModelPlace::Unknown: break;
    }
    throw AnthropicError::modelNotFound(model);
}

void MessagesHandler::create(Exchange& exchange) const
{
    answering(exchange, [&] {
        const auto body = parsedUnlessPassedOn(exchange, "/messages");
        if (!body)
            return;
        if (translated(exchange, *body, MessagesRequest::Kind::Create))
            return;
        const MessagesRequest request = MessagesRequest::parse(*body, config_, MessagesRequest::Kind::Create);
        admit(exchange, request.model);
        answer(exchange, request, deferOn(exchange));
    });
}

void MessagesHandler::answerLocally(Exchange& exchange, const AnswerLater& later) const
{
    answering(exchange, [&] {
        const MessagesRequest request =
            MessagesRequest::parse(*parseBody(exchange, maxJsonDepth_), config_, MessagesRequest::Kind::Create);
        answer(exchange, request, later);
    });
}

void MessagesHandler::answer(Exchange& exchange, const MessagesRequest& request, const AnswerLater& later) const
{
    MessageIdentity identity{newObjectId("msg_"), request.model};
    auto answer = MessageAnswer::of(request);
    if (request.stream)
        return later(
            std::make_unique<MessagesStream>(std::move(identity), std::move(answer), config_.tokenDelayMs, metrics_));
    exchange.set(attr::UsageInputTokens, std::to_string(answer->inputTokens));
    exchange.set(attr::UsageOutputTokens, std::to_string(answer->outputTokens()));
    std::string json = messageJson(identity, answer->echo.text, answer->tool ? &*answer->tool : nullptr, answer->end,
                                   answer->inputTokens, answer->outputTokens());
    const auto generation = std::chrono::milliseconds(config_.tokenDelayMs) * static_cast<long>(answer->outputTokens());
    if (generation.count() == 0)
        return exchange.respond(200, std::move(json));
    later(std::make_unique<DelayedAnswer>(generation, std::move(json)));
}

void MessagesHandler::countTokens(Exchange& exchange) const
{
    answering(exchange, [&] {
        const auto body = parsedUnlessPassedOn(exchange, "/messages/count_tokens");
        if (!body)
            return;
        if (translated(exchange, *body, MessagesRequest::Kind::CountTokens))
            return;
        const MessagesRequest request = MessagesRequest::parse(*body, config_, MessagesRequest::Kind::CountTokens);
        admit(exchange, request.model);
        exchange.respond(200, countTokensJson(request.inputTokens()));
    });
}

} // namespace portico::openai::anthropic
