#include "ResponsesHandler.h"
#include "EchoModel.h"
#include "Ids.h"
#include "PacedStream.h"
#include "portico/Attributes.h"
#include <memory>

namespace portico::openai {

namespace {

void setUsage(Exchange& exchange, std::size_t input, std::size_t output)
{
    exchange.set(attr::UsageInputTokens, std::to_string(input));
    exchange.set(attr::UsageOutputTokens, std::to_string(output));
}

/// A streamed Response: response.created, response.in_progress, output_item.added,
/// content_part.added, one output_text.delta per token, output_text.done, content_part.done,
/// output_item.done and response.completed (or response.incomplete).
class ResponsesStream : public PacedStream
{
public:
    static std::unique_ptr<ResponsesStream> make(const ResponsesRequest& request, int delayMs, OpenAiMetrics& metrics)
    {
        auto answer = std::make_unique<EchoAnswer>();
        EchoModel::answer(request.conversation, request.settings.maxOutputTokens, {}, *answer);
        auto stream = std::unique_ptr<ResponsesStream>(
            new ResponsesStream(request, delayMs, metrics, answer->outputTokens()));
        stream->answer_ = std::move(answer);
        return stream;
    }

    void start(Exchange& exchange) override
    {
        exchangeStart_ = exchange.startedAt();
        PacedStream::start(exchange);
    }

protected:
    bool opening(SseWriter& sse) override
    {
        if (!sse.send("response.created", events_.lifecycle("response.created", state_)) ||
            !sse.send("response.in_progress", events_.lifecycle("response.in_progress", state_)))
            return false;
        state_.hasMessage = true;
        return sse.send("response.output_item.added", events_.outputItem("response.output_item.added", state_, true)) &&
               sse.send("response.content_part.added",
                        events_.contentPart("response.content_part.added", state_, std::string()));
    }

    bool token(SseWriter& sse, std::size_t index) override
    {
        if (!sse.send("response.output_text.delta", events_.textDelta(state_, answer_->tokens[index])))
            return false;
        if (index == 0)
            metrics_.observeTimeToFirstToken(
                state_.model, std::chrono::duration<double>(Exchange::Clock::now() - exchangeStart_).count());
        return true;
    }

    bool closing(SseWriter& sse) override
    {
        finishResponse(state_, *answer_, produced());
        const char* last = state_.cutAtMaxTokens ? "response.incomplete" : "response.completed";
        return sse.send("response.output_text.done", events_.textDone(state_)) &&
               sse.send("response.content_part.done",
                        events_.contentPart("response.content_part.done", state_, state_.text)) &&
               sse.send("response.output_item.done", events_.outputItem("response.output_item.done", state_, false)) &&
               sse.send(last, events_.lifecycle(last, state_));
    }

    std::string errorEvent() const override
    {
        ResponseEvents events = events_;
        return events.error("server_error", "The server had an error while generating the response.");
    }

    void finished(Exchange& exchange, std::size_t produced) override
    {
        setUsage(exchange, answer_->inputTokens, produced);
    }

private:
    ResponsesStream(const ResponsesRequest& request, int delayMs, OpenAiMetrics& metrics, std::size_t tokens)
        : PacedStream(delayMs, tokens), settings_(request.settings), metrics_(metrics)
    {
        state_.id = newObjectId("resp_");
        state_.createdAt = unixNow();
        state_.model = request.model;
        state_.settings = &settings_;
        state_.messageId = newObjectId("msg_");
    }

    const ResponseSettings settings_;
    OpenAiMetrics& metrics_;
    std::unique_ptr<EchoAnswer> answer_;
    ResponseState state_;
    ResponseEvents events_;
    Exchange::Clock::time_point exchangeStart_;
};

} // namespace

void finishResponse(ResponseState& state, const EchoAnswer& answer, std::size_t producedTokens)
{
    state.cutAtMaxTokens = answer.finish == FinishReason::Length;
    state.status = state.cutAtMaxTokens ? "incomplete" : "completed";
    state.completedAt = unixNow();
    state.text = answer.text;
    state.hasUsage = true;
    state.inputTokens = answer.inputTokens;
    state.outputTokens = producedTokens;
}

void ResponsesHandler::handle(Exchange& exchange, const Poco::JSON::Object& body, const AnswerLater& later) const
{
    const ResponsesRequest request = ResponsesRequest::parse(body, config_);
    exchange.set(attr::RequestMaxTokens, request.settings.maxOutputTokens
                                             ? std::to_string(*request.settings.maxOutputTokens)
                                             : std::string());
    if (request.stream)
        return later(ResponsesStream::make(request, config_.tokenDelayMs, metrics_));

    EchoAnswer answer;
    EchoModel::answer(request.conversation, request.settings.maxOutputTokens, {}, answer);
    ResponseState state;
    state.id = newObjectId("resp_");
    state.createdAt = unixNow();
    state.model = request.model;
    state.settings = &request.settings;
    state.messageId = newObjectId("msg_");
    state.hasMessage = true;
    finishResponse(state, answer, answer.outputTokens());
    setUsage(exchange, answer.inputTokens, answer.outputTokens());
    // A Response has a status, not finish reasons: none.
    exchange.set(attr::ResponseModel, request.model);
    exchange.set(attr::ResponseFinishReasons, std::string());
    std::string json = responseJson(state);
    const auto generation = std::chrono::milliseconds(config_.tokenDelayMs) * static_cast<long>(answer.outputTokens());
    if (generation.count() == 0)
        return exchange.respond(200, std::move(json));
    // The body is complete now but goes out when the model would have finished generating it.
    later(std::make_unique<DelayedAnswer>(generation, std::move(json)));
}

} // namespace portico::openai
