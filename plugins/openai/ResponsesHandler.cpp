#include "ResponsesHandler.h"
#include "EchoModel.h"
#include "Ids.h"
#include "TokenPacer.h"
#include "portico/Attributes.h"

namespace portico::openai {

namespace {

void setUsage(Exchange& exchange, std::size_t input, std::size_t output)
{
    exchange.set(attr::UsageInputTokens, std::to_string(input));
    exchange.set(attr::UsageOutputTokens, std::to_string(output));
}

double secondsSince(Exchange::Clock::time_point start)
{
    return std::chrono::duration<double>(Exchange::Clock::now() - start).count();
}

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

void ResponsesHandler::handle(Exchange& exchange, const Poco::JSON::Object& body) const
{
    const ResponsesRequest request = ResponsesRequest::parse(body, config_);
    EchoAnswer answer;
    EchoModel::answer(request.conversation, request.settings.maxOutputTokens, {}, answer);

    ResponseState state;
    state.id = newObjectId("resp_");
    state.createdAt = unixNow();
    state.model = request.model;
    state.settings = &request.settings;
    state.messageId = newObjectId("msg_");
    if (request.stream)
        stream(exchange, state, answer);
    else
        respondWhole(exchange, state, answer);
}

void ResponsesHandler::respondWhole(Exchange& exchange, ResponseState& state, const EchoAnswer& answer) const
{
    TokenPacer(config_.tokenDelayMs).waitForTokens(answer.outputTokens());
    state.hasMessage = true;
    finishResponse(state, answer, answer.outputTokens());
    setUsage(exchange, answer.inputTokens, answer.outputTokens());
    exchange.respond(200, responseJson(state));
}

void ResponsesHandler::stream(Exchange& exchange, ResponseState& state, const EchoAnswer& answer) const
{
    SseWriter sse(exchange.stream());
    ResponseEvents events;
    TokenPacer pacer(config_.tokenDelayMs);
    std::size_t produced = 0;
    // Whatever happens from here, usage reflects what was actually generated.
    struct UsageOnExit
    {
        Exchange& exchange;
        const EchoAnswer& answer;
        const std::size_t& produced;
        ~UsageOnExit() { setUsage(exchange, answer.inputTokens, produced); }
    } usageOnExit{exchange, answer, produced};

    try
    {
        if (!sse.send("response.created", events.lifecycle("response.created", state)) ||
            !sse.send("response.in_progress", events.lifecycle("response.in_progress", state)))
            return;
        state.hasMessage = true;
        if (!sse.send("response.output_item.added", events.outputItem("response.output_item.added", state, true)) ||
            !sse.send("response.content_part.added",
                      events.contentPart("response.content_part.added", state, std::string())))
            return;
        for (const auto token : answer.tokens)
        {
            pacer.waitForNextToken();
            if (!sse.send("response.output_text.delta", events.textDelta(state, token)))
                return;
            if (produced++ == 0)
                metrics_.observeTimeToFirstToken(state.model, secondsSince(exchange.startedAt()));
        }
        finishResponse(state, answer, produced);
        const char* last = state.cutAtMaxTokens ? "response.incomplete" : "response.completed";
        if (!sse.send("response.output_text.done", events.textDone(state)) ||
            !sse.send("response.content_part.done",
                      events.contentPart("response.content_part.done", state, state.text)) ||
            !sse.send("response.output_item.done", events.outputItem("response.output_item.done", state, false)))
            return;
        sse.send(last, events.lifecycle(last, state));
    }
    catch (const std::exception&)
    {
        // Before the first event the core still answers an ordinary 500. After it, the client
        // learns of the failure from an error event; the core logs the exception and ends the
        // stream.
        if (exchange.response().committed)
            sse.send("error", events.error("server_error", "The server had an error while generating the response."));
        throw;
    }
}

} // namespace portico::openai
