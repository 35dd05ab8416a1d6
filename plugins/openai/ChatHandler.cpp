#include "ChatHandler.h"
#include "ChatRequest.h"
#include "ChatShapes.h"
#include "EchoModel.h"
#include "Ids.h"
#include "TokenPacer.h"
#include "portico/Attributes.h"

namespace portico::openai {

namespace {

void setUsage(Exchange& exchange, const ChatUsage& usage)
{
    exchange.set(attr::UsageInputTokens, std::to_string(usage.promptTokens));
    exchange.set(attr::UsageOutputTokens, std::to_string(usage.completionTokens));
}

} // namespace

void ChatHandler::handle(Exchange& exchange, const Poco::JSON::Object& body) const
{
    const ChatRequest request = ChatRequest::parse(body, config_);
    EchoAnswer answer;
    EchoModel::answer(request.conversation, request.maxTokens, request.stop, answer);
    const ChatIdentity identity{newObjectId("chatcmpl-"), unixNow(), request.model};
    if (request.stream)
    {
        stream(exchange, request, identity, answer);
        return;
    }
    // The n choices are generated side by side: the answer takes as long as one of them.
    TokenPacer(config_.tokenDelayMs).waitForTokens(answer.outputTokens());
    const ChatUsage usage{answer.inputTokens, answer.outputTokens() * request.n};
    setUsage(exchange, usage);
    exchange.respond(200, chatCompletionJson(identity, request.n, answer.text, answer.finish, usage));
}

void ChatHandler::stream(Exchange& exchange, const ChatRequest& request, const ChatIdentity& identity,
                         const EchoAnswer& answer) const
{
    SseWriter sse(exchange.stream());
    const ChatChunks chunks(identity, request.includeUsage);
    TokenPacer pacer(config_.tokenDelayMs);
    ChatUsage usage{answer.inputTokens, 0};
    struct UsageOnExit
    {
        Exchange& exchange;
        const ChatUsage& usage;
        ~UsageOnExit() { setUsage(exchange, usage); }
    } usageOnExit{exchange, usage};

    try
    {
        for (std::size_t i = 0; i < request.n; ++i)
            if (!sse.data(chunks.roleChunk(i)))
                return;
        for (const auto token : answer.tokens)
        {
            pacer.waitForNextToken();
            for (std::size_t i = 0; i < request.n; ++i)
            {
                if (!sse.data(chunks.contentChunk(i, token)))
                    return;
                ++usage.completionTokens;
            }
            if (usage.completionTokens == request.n)
                metrics_.observeTimeToFirstToken(
                    identity.model,
                    std::chrono::duration<double>(Exchange::Clock::now() - exchange.startedAt()).count());
        }
        for (std::size_t i = 0; i < request.n; ++i)
            if (!sse.data(chunks.finishChunk(i, answer.finish)))
                return;
        if (request.includeUsage && !sse.data(chunks.usageChunk(usage)))
            return;
        sse.data("[DONE]");
    }
    catch (const std::exception&)
    {
        // See ResponsesHandler::stream: an error event only once the head is out.
        if (exchange.response().committed)
            sse.send("error", ChatChunks::errorData("The server had an error while generating the response."));
        throw;
    }
}

} // namespace portico::openai
