// anthropic_translation_bench: what an upstream of type anthropic adds to a chat completions
// call, for the Anthropic issue's "Done when": "translation adds under 20 µs per request and per
// streamed event".
//
// Timed, each as nanoseconds per item (wall clock), in rounds, the order of the pairs rotated:
//   request  anthropicRequestBody on a typical chat request (system prompt, three turns, a
//            tool with a JSON schema, tool_choice, max_completion_tokens, stop, temperature;
//            about 1.5 KB) against what an OpenAI upstream's request costs the proxy for the same
//            body (withStreamUsage: the only rewrite it makes);
//   answer   chatCompletionFromMessage on a Message with a text block and a tool_use block, then
//            scanUsage of the result, against scanUsage of the chat.completion an OpenAI upstream
//            would have sent;
//   event    one event of a 200-delta stream: AnthropicStream::feed of the Messages event and
//            SseFramer feed/next/inspect of what it wrote, against SseFramer feed/next/inspect of
//            the chat chunk an OpenAI upstream sends for it (the relay's work either way).
// And the other way, a /v1/messages request served by an OpenAI-compatible upstream:
//   messages_request  a Messages request of the same content (about 1.6 KB) as the handler
//            takes it: peekRequest for its model, then checked and turned into a chat request
//            in one walk (scannedChatRequest), against withStreamUsage of the chat request (what
//            a chat client's call costs);
//   messages_request_poco  the same request down the path for unusual shapes: Poco's parse,
//            MessagesRequest::parse and chatRequestFromMessages (printed, no target: the usual
//            requests do not take it);
//   messages_answer   messageFromChatCompletion of the chat.completion plus its usage scan,
//            against the usage scan alone;
//   messages_event    one event of the 200-delta chat stream framed, inspected and turned into
//            Messages events (MessagesFromChatStream), against framing and inspecting it.
// "adds" is the median of (translated - plain) per round. Printed: a table, "target < 20000 ns:
// ok/MISSED" for each, and one line per figure for tests/bench:
//   translation item=request rounds=… translated_ns=… plain_ns=… adds_ns=…
// The exit status is 1 when a translation gives the wrong answer (checked once, before timing),
// never for the times.
//
// Usage: anthropic_translation_bench [--quick] [--rounds N]

#include "AnthropicAnswer.h"
#include "MessagesFromChat.h"
#include "MessagesFromChatStream.h"
#include "anthropic/ChatFromMessages.h"
#include "anthropic/ChatFromMessagesScan.h"
#include "anthropic/MessagesRequest.h"
#include "RequestPeek.h"
#include "portico/Json.h"
#include "Poco/JSON/Parser.h"
#include "AnthropicRequest.h"
#include "AnthropicStream.h"
#include "SseFramer.h"
#include "StreamUsage.h"
#include "UsageScanner.h"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace portico::openai;
using Clock = std::chrono::steady_clock;

namespace {

const std::string ChatRequest = R"({"model":"claude-sonnet-4-5","messages":[)"
    R"({"role":"system","content":"You are a careful assistant for a travel agency. Answer briefly, cite the tools you used, and never invent prices or dates that a tool did not give you."},)"
    R"({"role":"user","content":"What is the weather in Lisbon for the next three days, and should I pack an umbrella?"},)"
    R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Lisbon\",\"days\":3}"}}]},)"
    R"({"role":"tool","tool_call_id":"call_1","content":"Mon 19C rain 80%, Tue 21C cloudy 30%, Wed 23C sun 5%"},)"
    R"({"role":"user","content":[{"type":"text","text":"Thanks. And in Porto?"}]}],)"
    R"("tools":[{"type":"function","function":{"name":"get_weather","description":"The forecast for a city, one line per day","parameters":{"type":"object","properties":{"city":{"type":"string","description":"The city name"},"days":{"type":"integer","minimum":1,"maximum":14},"unit":{"type":"string","enum":["c","f"]}},"required":["city","days"]}}}],)"
    R"("tool_choice":"auto","max_completion_tokens":1024,"stop":["\n\nUser:"],"temperature":0.2,"stream":true,"user":"team-travel"})";

const std::string Message = R"({"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5",)"
    R"("content":[{"type":"text","text":"Porto will be a little cooler and wetter than Lisbon: bring the umbrella for Monday and Tuesday."},)"
    R"({"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"city":"Porto","days":3}}],)"
    R"("stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":412,"output_tokens":57,"cache_creation_input_tokens":0,"cache_read_input_tokens":128}})";

const std::string ChatCompletion = R"({"id":"chatcmpl-01XFDUDYJgAACzvnptvVoYEL","object":"chat.completion","created":1733400000,"model":"gpt-4o",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"Porto will be a little cooler and wetter than Lisbon: bring the umbrella for Monday and Tuesday.",)"
    R"("tool_calls":[{"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Porto\",\"days\":3}"}}]},)"
    R"("finish_reason":"tool_calls"}],"usage":{"prompt_tokens":540,"completion_tokens":57,"total_tokens":597}})";

/// The same conversation as ChatRequest, as Anthropic's Messages API takes it.
const std::string MessagesRequestBody = R"({"model":"gpt-4o","max_tokens":1024,)"
    R"("system":"You are a careful assistant for a travel agency. Answer briefly, cite the tools you used, and never invent prices or dates that a tool did not give you.","messages":[)"
    R"({"role":"user","content":"What is the weather in Lisbon for the next three days, and should I pack an umbrella?"},)"
    R"({"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Lisbon","days":3}}]},)"
    R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"Mon 19C rain 80%, Tue 21C cloudy 30%, Wed 23C sun 5%"},{"type":"text","text":"Thanks. And in Porto?"}]}],)"
    R"("tools":[{"name":"get_weather","description":"The forecast for a city, one line per day","input_schema":{"type":"object","properties":{"city":{"type":"string","description":"The city name"},"days":{"type":"integer","minimum":1,"maximum":14},"unit":{"type":"string","enum":["c","f"]}},"required":["city","days"]}}],)"
    R"("tool_choice":{"type":"auto"},"stop_sequences":["\n\nUser:"],"temperature":0.2,"stream":true,"metadata":{"user_id":"team-travel"}})";

/// What the messages handler does before the usual request goes upstream: its model peeked,
/// then checked and translated in one walk.
std::string scannedChatFromMessagesRequest()
{
    const auto peek = portico::openai::peekRequest(MessagesRequestBody, 64);
    auto chat = anthropic::scannedChatRequest(MessagesRequestBody, 64);
    return chat ? std::move(*chat) : std::string(peek ? 0 : 1, 'x');
}

/// The path for unusual shapes: parse, validate, translate.
std::string chatFromMessagesRequest()
{
    const auto body = Poco::JSON::Parser().parse(MessagesRequestBody).extract<Poco::JSON::Object::Ptr>();
    portico::openai::LocalBackendConfig limits;
    anthropic::MessagesRequest::parse(*body, limits, anthropic::MessagesRequest::Kind::Create);
    return anthropic::chatRequestFromMessages(*body);
}

constexpr int StreamDeltas = 200;

std::string messagesEvent(const char* name, const std::string& data)
{
    return std::string("event: ") + name + "\ndata: " + data + "\n\n";
}

/// A Messages stream: start, a text block of StreamDeltas deltas, its end.
std::vector<std::string> messagesStream()
{
    std::vector<std::string> events;
    events.push_back(messagesEvent("message_start", R"({"type":"message_start","message":{"id":"msg_01X","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":412,"output_tokens":1}}})"));
    events.push_back(messagesEvent("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"));
    for (int i = 0; i < StreamDeltas; ++i)
        events.push_back(messagesEvent("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" umbrella"}})"));
    events.push_back(messagesEvent("content_block_stop", R"({"type":"content_block_stop","index":0})"));
    events.push_back(messagesEvent("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":200}})"));
    events.push_back(messagesEvent("message_stop", R"({"type":"message_stop"})"));
    return events;
}

/// The chat stream an OpenAI upstream sends for the same answer (include_usage asked).
std::vector<std::string> chatStream()
{
    const std::string head = R"(data: {"id":"chatcmpl-01X","object":"chat.completion.chunk","created":1733400000,"model":"gpt-4o","choices":[)";
    std::vector<std::string> events;
    events.push_back(head + R"({"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null})" + "\n\n");
    for (int i = 0; i < StreamDeltas; ++i)
        events.push_back(head + R"({"index":0,"delta":{"content":" umbrella"},"finish_reason":null}],"usage":null})" + "\n\n");
    events.push_back(head + R"({"index":0,"delta":{},"finish_reason":"stop"}],"usage":null})" + "\n\n");
    events.push_back(head + R"(],"usage":{"prompt_tokens":412,"completion_tokens":200,"total_tokens":612}})" + "\n\n");
    events.push_back("data: [DONE]\n\n");
    return events;
}

/// The relay's work on one event: framed, handed out, inspected.
std::size_t relay(SseFramer& framer, std::string_view bytes)
{
    framer.feed(bytes);
    std::size_t out = 0;
    while (auto event = framer.next())
    {
        framer.inspect(*event);
        out += event->size();
    }
    return out;
}

volatile std::size_t sink; // keeps the timed work from being optimised away

/// Nanoseconds per item of `work` (which does `items` items), over a run of about `budget`.
double timeIt(const std::function<std::size_t()>& work, std::size_t items, std::chrono::milliseconds budget)
{
    std::size_t runs = 0;
    std::size_t total = 0;
    const auto start = Clock::now();
    do
    {
        total += work();
        ++runs;
    } while (Clock::now() - start < budget);
    sink = total;
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    return ns / static_cast<double>(runs * items);
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

bool check(bool ok, const char* what)
{
    if (!ok)
        std::fprintf(stderr, "anthropic_translation_bench: wrong translation: %s\n", what);
    return ok;
}

/// The translations give what they should (else the figures would time something else).
bool translationsWork()
{
    const std::string request = anthropicRequestBody(ChatRequest, AnthropicRequestSettings{});
    bool ok = check(request.find("\"tool_result\"") != std::string::npos && request.find("\"system\"") != std::string::npos,
                    "request");
    const auto chat = chatCompletionFromMessage(Message);
    ok = check(chat && chat->find("\"tool_calls\"") != std::string::npos, "answer") && ok;
    const auto usage = chat ? scanUsage(*chat) : std::nullopt;
    ok = check(usage && usage->inputTokens == 540 && usage->outputTokens == 57, "answer usage") && ok;
    AnthropicStream stream(1 << 20);
    SseFramer framer(1 << 20);
    std::string out;
    for (const auto& event : messagesStream())
    {
        out.clear();
        stream.feed(event, out);
        relay(framer, out);
    }
    ok = check(stream.ended() && framer.finished() && !framer.failed(), "stream end") && ok;
    ok = check(framer.usage() && framer.usage()->inputTokens == 412 && framer.usage()->outputTokens == 200,
               "stream usage") && ok;
    const std::string chatRequest = chatFromMessagesRequest();
    ok = check(scannedChatFromMessagesRequest().size() > 1, "messages request takes the scan") && ok;
    ok = check(chatRequest.find("\"tool_call_id\"") != std::string::npos && chatRequest.find("\"system\"") != std::string::npos,
               "messages request") && ok;
    const auto message = messageFromChatCompletion(ChatCompletion);
    ok = check(message && message->find("\"tool_use\"") != std::string::npos, "messages answer") && ok;
    MessagesFromChatStream toMessages;
    SseFramer chatFramer(1 << 20);
    std::string events;
    for (const auto& event : chatStream())
    {
        chatFramer.feed(event);
        while (auto framed = chatFramer.next())
        {
            chatFramer.inspect(*framed);
            toMessages.translate(*framed, events);
        }
    }
    ok = check(events.find("event: message_stop") != std::string::npos &&
                   events.find("\"output_tokens\":200") != std::string::npos,
               "messages stream") && ok;
    return ok;
}

struct Figure
{
    const char* item;
    std::vector<double> translated, plain, adds;
};

} // namespace

int main(int argc, char** argv)
{
    bool quick = false;
    int rounds = 9;
    for (int i = 1; i < argc; ++i)
    {
        if (std::strcmp(argv[i], "--quick") == 0)
            quick = true, rounds = 1;
        else if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = std::max(1, std::atoi(argv[++i]));
        else
        {
            std::fprintf(stderr, "usage: anthropic_translation_bench [--quick] [--rounds N]\n");
            return 2;
        }
    }
    if (!translationsWork())
        return 1;
    const std::chrono::milliseconds budget(quick ? 20 : 300);

    const auto messagesEvents = messagesStream();
    const auto chatEvents = chatStream();
    const std::size_t events = messagesEvents.size();

    const std::function<std::size_t()> requestTranslated = [] {
        return anthropicRequestBody(ChatRequest, AnthropicRequestSettings{}).size();
    };
    const std::function<std::size_t()> requestPlain = [] {
        const auto asking = withStreamUsage(ChatRequest, 256);
        return asking ? asking->size() : 0;
    };
    const std::function<std::size_t()> answerTranslated = [] {
        const auto chat = chatCompletionFromMessage(Message);
        return static_cast<std::size_t>(scanUsage(*chat)->outputTokens);
    };
    const std::function<std::size_t()> answerPlain = [] {
        return static_cast<std::size_t>(scanUsage(ChatCompletion)->outputTokens);
    };
    const std::function<std::size_t()> eventTranslated = [&] {
        AnthropicStream stream(1 << 20);
        SseFramer framer(1 << 20);
        std::string out;
        std::size_t bytes = 0;
        for (const auto& event : messagesEvents)
        {
            out.clear();
            stream.feed(event, out);
            bytes += relay(framer, out);
        }
        return bytes;
    };
    const std::function<std::size_t()> eventPlain = [&] {
        SseFramer framer(1 << 20);
        std::size_t bytes = 0;
        for (const auto& event : chatEvents)
            bytes += relay(framer, event);
        return bytes;
    };

    const std::function<std::size_t()> messagesRequestTranslated = [] { return scannedChatFromMessagesRequest().size(); };
    const std::function<std::size_t()> messagesRequestByPoco = [] { return chatFromMessagesRequest().size(); };
    const std::function<std::size_t()> messagesAnswerTranslated = [] {
        const auto usage = scanUsage(ChatCompletion);
        return messageFromChatCompletion(ChatCompletion)->size() + static_cast<std::size_t>(usage->outputTokens);
    };
    const std::function<std::size_t()> messagesEventTranslated = [&] {
        SseFramer framer(1 << 20);
        MessagesFromChatStream stream;
        std::string out;
        std::size_t bytes = 0;
        for (const auto& event : chatEvents)
        {
            framer.feed(event);
            while (auto framed = framer.next())
            {
                framer.inspect(*framed);
                out.clear();
                stream.translate(*framed, out);
                bytes += out.size();
            }
        }
        return bytes;
    };

    struct Pair
    {
        Figure figure;
        const std::function<std::size_t()>* translated;
        const std::function<std::size_t()>* plain;
        std::size_t items;
        bool targeted = true; ///< false: printed for comparison, no target
    };
    std::vector<Pair> pairs{{{"request", {}, {}, {}}, &requestTranslated, &requestPlain, 1},
                            {{"answer", {}, {}, {}}, &answerTranslated, &answerPlain, 1},
                            {{"event", {}, {}, {}}, &eventTranslated, &eventPlain, events},
                            {{"messages_request", {}, {}, {}}, &messagesRequestTranslated, &requestPlain, 1},
                            {{"messages_request_poco", {}, {}, {}}, &messagesRequestByPoco, &requestPlain, 1, false},
                            {{"messages_answer", {}, {}, {}}, &messagesAnswerTranslated, &answerPlain, 1},
                            {{"messages_event", {}, {}, {}}, &messagesEventTranslated, &eventPlain, chatEvents.size()}};
    for (int round = 0; round < rounds; ++round)
    {
        for (std::size_t k = 0; k < pairs.size(); ++k)
        {
            Pair& pair = pairs[(k + static_cast<std::size_t>(round)) % pairs.size()];
            // Alternate which side goes first, so neither always has the warmer cache.
            double translated, plain;
            if (round % 2 == 0)
            {
                translated = timeIt(*pair.translated, pair.items, budget);
                plain = timeIt(*pair.plain, pair.items, budget);
            }
            else
            {
                plain = timeIt(*pair.plain, pair.items, budget);
                translated = timeIt(*pair.translated, pair.items, budget);
            }
            pair.figure.translated.push_back(translated);
            pair.figure.plain.push_back(plain);
            pair.figure.adds.push_back(translated - plain);
        }
    }

    std::printf("%-21s %14s %14s %14s %8s  %s\n", "item", "translated ns", "plain ns", "adds ns", "rounds",
                "target < 20000 ns");
    for (const auto& pair : pairs)
    {
        const Figure& f = pair.figure;
        const double adds = median(f.adds);
        std::printf("%-21s %14.0f %14.0f %14.0f %8d  %s\n", f.item, median(f.translated), median(f.plain), adds, rounds,
                    !pair.targeted ? "(no target)" : adds < 20000 ? "ok" : "MISSED");
    }
    for (const auto& pair : pairs)
    {
        const Figure& f = pair.figure;
        std::printf("translation item=%s rounds=%d translated_ns=%.0f plain_ns=%.0f adds_ns=%.0f\n", f.item, rounds,
                    median(f.translated), median(f.plain), median(f.adds));
    }
    return 0;
}
