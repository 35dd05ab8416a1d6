#include "ChatHandler.h"
#include "ChatRequest.h"
#include "ChatShapes.h"
#include "EchoModel.h"
#include "Ids.h"
#include "PacedStream.h"
#include "portico/Attributes.h"
#include <memory>

namespace portico::openai {

namespace {

void setUsage(Exchange& exchange, const ChatUsage& usage)
{
    exchange.set(attr::UsageInputTokens, std::to_string(usage.promptTokens));
    exchange.set(attr::UsageOutputTokens, std::to_string(usage.completionTokens));
}

/// A streamed chat completion: per choice a role chunk, then per token one content chunk per
/// choice, per choice a finish chunk, the usage chunk when asked for, and [DONE].
class ChatStream : public PacedStream
{
public:
    /// Answers the request into this stream (EchoAnswer cannot move: its tokens point into it).
    static std::unique_ptr<ChatStream> make(const ChatRequest& request, ChatIdentity identity, int delayMs,
                                            OpenAiMetrics& metrics)
    {
        auto answer = std::make_unique<EchoAnswer>();
        EchoModel::answer(request.conversation, request.maxTokens, request.stop, *answer);
        const std::size_t tokens = answer->outputTokens();
        auto stream = std::unique_ptr<ChatStream>(new ChatStream(request, std::move(identity), delayMs, metrics, tokens));
        stream->answer_ = std::move(answer);
        return stream;
    }

protected:
    bool opening(SseWriter& sse) override
    {
        for (std::size_t i = 0; i < n_; ++i)
            if (!sse.data(chunks_.roleChunk(i)))
                return false;
        return true;
    }

    bool token(SseWriter& sse, std::size_t index) override
    {
        const std::string_view text = answer_->tokens[index];
        for (std::size_t i = 0; i < n_; ++i)
            if (!sse.data(chunks_.contentChunk(i, text)))
                return false;
        if (index == 0)
            metrics_.observeTimeToFirstToken(
                identity_.model, std::chrono::duration<double>(Exchange::Clock::now() - exchangeStart_).count());
        return true;
    }

    bool closing(SseWriter& sse) override
    {
        for (std::size_t i = 0; i < n_; ++i)
            if (!sse.data(chunks_.finishChunk(i, answer_->finish)))
                return false;
        if (includeUsage_ && !sse.data(chunks_.usageChunk(usage(produced()))))
            return false;
        return sse.data("[DONE]");
    }

    std::string errorEvent() const override
    {
        return ChatChunks::errorData("The server had an error while generating the response.");
    }

    void finished(Exchange& exchange, std::size_t produced) override { setUsage(exchange, usage(produced)); }

public:
    void start(Exchange& exchange) override
    {
        exchangeStart_ = exchange.startedAt();
        // The finish reason is not set: a stream cut short never sent it.
        exchange.set(attr::ResponseModel, identity_.model);
        PacedStream::start(exchange);
    }

private:
    ChatStream(const ChatRequest& request, ChatIdentity identity, int delayMs, OpenAiMetrics& metrics,
               std::size_t tokens)
        : PacedStream(delayMs, tokens),
          identity_(std::move(identity)),
          n_(request.n),
          includeUsage_(request.includeUsage),
          chunks_(identity_, request.includeUsage),
          metrics_(metrics)
    {
    }

    ChatUsage usage(std::size_t produced) const { return {answer_->inputTokens, produced * n_}; }

    ChatIdentity identity_;
    std::size_t n_;
    bool includeUsage_;
    ChatChunks chunks_;
    OpenAiMetrics& metrics_;
    std::unique_ptr<EchoAnswer> answer_;
    Exchange::Clock::time_point exchangeStart_;
};

} // namespace

void ChatHandler::handle(Exchange& exchange, const Poco::JSON::Object& body, const AnswerLater& later) const
{
    const ChatRequest request = ChatRequest::parse(body, config_);
    exchange.set(attr::RequestMaxTokens, request.maxTokens ? std::to_string(*request.maxTokens) : std::string());
    ChatIdentity identity{newObjectId("chatcmpl-"), unixNow(), request.model};
    if (request.stream)
        return later(ChatStream::make(request, std::move(identity), config_.tokenDelayMs, metrics_));
    EchoAnswer answer;
    EchoModel::answer(request.conversation, request.maxTokens, request.stop, answer);
    // The n choices are generated side by side: the answer takes as long as one of them.
    const ChatUsage usage{answer.inputTokens, answer.outputTokens() * request.n};
    setUsage(exchange, usage);
    // Every choice ends the same way: one reason.
    exchange.set(attr::ResponseModel, identity.model);
    exchange.set(attr::ResponseFinishReasons, finishReasonName(answer.finish));
    std::string json = chatCompletionJson(identity, request.n, answer.text, answer.finish, usage);
    const auto generation = std::chrono::milliseconds(config_.tokenDelayMs) * static_cast<long>(answer.outputTokens());
    if (generation.count() == 0)
        return exchange.respond(200, std::move(json));
    later(std::make_unique<DelayedAnswer>(generation, std::move(json)));
}

} // namespace portico::openai
