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

void MessagesHandler::create(Exchange& exchange) const
{
    answering(exchange, [&] { serve(exchange, MessagesRequest::Kind::Create); });
}

void MessagesHandler::countTokens(Exchange& exchange) const
{
    answering(exchange, [&] { serve(exchange, MessagesRequest::Kind::CountTokens); });
}

void MessagesHandler::serve(Exchange& exchange, MessagesRequest::Kind kind) const
{
    const bool create = kind == MessagesRequest::Kind::Create;
    const std::string apiPath = create ? "/messages" : "/messages/count_tokens";
    // As the chat route does: "model" and "stream" read without a JSON tree when the body is
    // plain; the model's place looked up once.
    std::optional<RequestPeek> peek = peekRequest(exchange.body(), maxJsonDepth_);
    ModelPlace place = peek ? lookup_(peek->model) : ModelPlace::Unknown;
    if (peek && place == ModelPlace::AnthropicUpstream && forward_)
        return passOn(exchange, *peek, apiPath);
    if (peek && create && place == ModelPlace::Upstream && chat_ && scannedToChat(exchange, *peek))
        return;
    const auto body = parseBody(exchange, maxJsonDepth_);
    if (!peek)
    {
        // A model that is no string is the full validation's to name.
        const Poco::Dynamic::Var model = body->get("model");
        if (model.isString())
        {
            const Poco::Dynamic::Var stream = body->get("stream");
            peek = RequestPeek{model.extract<std::string>(), stream.isBoolean() && stream.extract<bool>()};
            place = lookup_(peek->model);
            if (place == ModelPlace::AnthropicUpstream && forward_)
                return passOn(exchange, *peek, apiPath);
        }
    }
    if (place == ModelPlace::Upstream && chat_)
        return translate(exchange, *body, kind);
    const MessagesRequest request = MessagesRequest::parse(*body, config_, kind);
    admit(exchange, place, request.model);
    if (create)
        return answer(exchange, request, deferOn(exchange));
    exchange.respond(200, countTokensJson(request.inputTokens()));
}

void MessagesHandler::passOn(Exchange& exchange, const RequestPeek& peek, const std::string& apiPath) const
{
    // The upstream checks the rest: its limits and fields are not the local model's.
    exchange.set(attr::Model, peek.model);
    forward_(exchange, peek.model, apiPath, peek.stream);
}

bool MessagesHandler::scannedToChat(Exchange& exchange, const RequestPeek& peek) const
{
    // The usual valid requests are checked and translated in one walk; anything else goes
    // through Poco::JSON, MessagesRequest::parse and chatRequestFromMessages (translate()).
    std::optional<std::string> chat = scannedChatRequest(exchange.body(), maxJsonDepth_);
    if (!chat)
        return false;
    exchange.set(attr::Model, peek.model);
    chat_(exchange, peek.model, std::move(*chat), peek.stream);
    return true;
}

void MessagesHandler::translate(Exchange& exchange, const Poco::JSON::Object& body, MessagesRequest::Kind kind) const
{
    // Checked as Anthropic checks it (the 400s name the field) before anything goes upstream.
    const MessagesRequest request = MessagesRequest::parse(body, upstreamLimits_, kind);
    exchange.set(attr::Model, request.model);
    if (kind == MessagesRequest::Kind::CountTokens)
        // Chat has no token count: the local tokenizer's estimate.
        return exchange.respond(200, countTokensJson(request.inputTokens()));
    chat_(exchange, request.model, chatRequestFromMessages(body), request.stream);
}

void MessagesHandler::admit(Exchange& exchange, ModelPlace place, const std::string& model) const
{
    switch (place)
    {
    case ModelPlace::LocalText: exchange.set(attr::Model, model); return;
    case ModelPlace::LocalEmbeddings:
        throw AnthropicError::invalid("model", "The model '" + model +
                                                   "' does not support messages (it is an embedding model); use "
                                                   "'portico-echo'.");
    case ModelPlace::Upstream:          // translate() takes these
    case ModelPlace::AnthropicUpstream: // and passOn() these
    case ModelPlace::Unknown: break;
    }
    throw AnthropicError::modelNotFound(model);
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

} // namespace portico::openai::anthropic
