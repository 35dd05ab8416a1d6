// The pieces of the relay that look at bytes: usage found in chat, Responses and embeddings
// answers without parsing them whole; SSE framing across arbitrary splits.

#include "SseFramer.h"
#include "UsageScanner.h"
#include <cppunit/extensions/HelperMacros.h>
#include <string>
#include <vector>

using namespace portico::openai;

class StreamParsingTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(StreamParsingTest);
    CPPUNIT_TEST(testChatUsage);
    CPPUNIT_TEST(testResponsesUsage);
    CPPUNIT_TEST(testEmbeddingsUsage);
    CPPUNIT_TEST(testAnthropicUsageCountsTheCache);
    CPPUNIT_TEST(testCachedInputTokens);
    CPPUNIT_TEST(testNoUsage);
    CPPUNIT_TEST(testUsageWordInContentIsIgnored);
    CPPUNIT_TEST(testUsageValuesAsPocoReadsThem);
    CPPUNIT_TEST(testFramingAnySplit);
    CPPUNIT_TEST(testFramingCrLf);
    CPPUNIT_TEST(testChatStreamEnd);
    CPPUNIT_TEST(testResponsesStreamEnd);
    CPPUNIT_TEST(testErrorChunkEnds);
    CPPUNIT_TEST(testEventAtCapPasses);
    CPPUNIT_TEST(testWholeEventOverCapRefused);
    CPPUNIT_TEST(testUnterminatedEventOverCapRefused);
    CPPUNIT_TEST_SUITE_END();

public:
    void testUsageValuesAsPocoReadsThem()
    {
        // Plain integers are read by the scanner; what only Poco's conversion settles goes to it.
        const auto read = [](const std::string& usage) { return scanUsage(R"({"id":"c","usage":)" + usage + "}"); };
        auto usage = read(R"({"prompt_tokens":5,"prompt_tokens_details":{"cached_tokens":1},"completion_tokens":-2})");
        CPPUNIT_ASSERT(usage && usage->inputTokens == 5 && usage->outputTokens == -2 && usage->cachedInputTokens == 1);
        usage = read(R"({"prompt_tokens":5,"prompt_tokens_details":{"cached_tokens":2.0}})");
        CPPUNIT_ASSERT(usage && usage->cachedInputTokens == 2); // only Poco settles 2.0
        usage = read(R"({"prompt_tokens":5,"prompt_tokens_details":[{"cached_tokens":2}]})");
        CPPUNIT_ASSERT(usage && usage->inputTokens == 5 && usage->cachedInputTokens == 0); // no object
        usage = read(R"({"prompt_tokens":5,"prompt_tokens_details":{"cached_tokens":1,"cached_tokens":3}})");
        CPPUNIT_ASSERT(usage && usage->cachedInputTokens == 3);
        usage = read(R"({"prompt_tokens":"5","completion_tokens":3})");
        CPPUNIT_ASSERT(!usage); // a string is no count
        usage = read(R"({"prompt_tokens":9.0,"completion_tokens":true})");
        CPPUNIT_ASSERT(usage && usage->inputTokens == 9 && usage->outputTokens == 1);
        usage = read(R"({"prompt_tokens":4,"completion_tokens":null})");
        CPPUNIT_ASSERT(usage && usage->inputTokens == 4 && usage->outputTokens == 0);
        usage = read(R"({"input_tokens":2,"output_tokens":{"n":1},"prompt_tokens":8})");
        CPPUNIT_ASSERT(usage && usage->inputTokens == 2 && usage->outputTokens == 0);
        usage = read(R"({"prompt_tokens":1,"prompt_tokens":2})");
        CPPUNIT_ASSERT(usage && usage->inputTokens == 2); // a repeated key: the last one, as Poco keeps it
    }

    void testChatUsage()
    {
        const auto usage = scanUsage(R"({"id":"c","choices":[{"message":{"content":"hi"}}],)"
                                     R"("usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}})");
        CPPUNIT_ASSERT(usage);
        CPPUNIT_ASSERT_EQUAL(12LL, usage->inputTokens);
        CPPUNIT_ASSERT_EQUAL(3LL, usage->outputTokens);
    }

    void testResponsesUsage()
    {
        const auto usage = scanUsage(
            R"({"type":"response.completed","response":{"id":"resp_1","usage":{"input_tokens":7,)"
            R"("input_tokens_details":{"cached_tokens":0},"output_tokens":21,"output_tokens_details":)"
            R"({"reasoning_tokens":0},"total_tokens":28},"metadata":{}},"sequence_number":9})");
        CPPUNIT_ASSERT(usage);
        CPPUNIT_ASSERT_EQUAL(7LL, usage->inputTokens);
        CPPUNIT_ASSERT_EQUAL(21LL, usage->outputTokens);
    }

    void testAnthropicUsageCountsTheCache()
    {
        // A Message: input_tokens leaves the cache reads and writes out; they are input too.
        const std::string message =
            R"({"id":"msg_1","type":"message","usage":{"input_tokens":7,"cache_creation_input_tokens":100,)"
            R"("cache_read_input_tokens":1000,"output_tokens":21}})";
        auto usage = scanUsage(message);
        CPPUNIT_ASSERT(usage);
        CPPUNIT_ASSERT_EQUAL(1107LL, usage->inputTokens);
        CPPUNIT_ASSERT_EQUAL(21LL, usage->outputTokens);
        // The same through the Poco path (a key given twice makes the scanner unsure).
        usage = usageByPoco(R"({"input_tokens":7,"cache_creation_input_tokens":100,"cache_read_input_tokens":1000,)"
                            R"("output_tokens":21})");
        CPPUNIT_ASSERT(usage);
        CPPUNIT_ASSERT_EQUAL(1107LL, usage->inputTokens);
        // A stream: message_start's input, message_delta's cumulative totals.
        SseFramer framer;
        framer.inspect("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":"
                       "{\"input_tokens\":7,\"cache_read_input_tokens\":1000,\"output_tokens\":1}}}\n\n");
        CPPUNIT_ASSERT_EQUAL(1007LL, framer.usage()->inputTokens);
        framer.inspect("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
                       "\"end_turn\"},\"usage\":{\"output_tokens\":15}}\n\n");
        CPPUNIT_ASSERT_EQUAL(1007LL, framer.usage()->inputTokens);
        CPPUNIT_ASSERT_EQUAL(15LL, framer.usage()->outputTokens);
        framer.inspect("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},\"usage\":"
                       "{\"input_tokens\":8,\"cache_read_input_tokens\":1000,\"cache_creation_input_tokens\":5,"
                       "\"output_tokens\":16}}\n\n");
        CPPUNIT_ASSERT_EQUAL(1013LL, framer.usage()->inputTokens);
        CPPUNIT_ASSERT_EQUAL(16LL, framer.usage()->outputTokens);
    }

    void testCachedInputTokens()
    {
        // Chat: a part of prompt_tokens.
        auto usage = scanUsage(R"({"usage":{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,)"
                               R"("prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0}}})");
        CPPUNIT_ASSERT(usage);
        CPPUNIT_ASSERT_EQUAL(2006LL, usage->inputTokens);
        CPPUNIT_ASSERT_EQUAL(1920LL, usage->cachedInputTokens);
        // Responses: a part of input_tokens.
        usage = scanUsage(R"({"response":{"usage":{"input_tokens":1500,"input_tokens_details":{"cached_tokens":1024},)"
                          R"("output_tokens":40}}})");
        CPPUNIT_ASSERT(usage);
        CPPUNIT_ASSERT_EQUAL(1500LL, usage->inputTokens);
        CPPUNIT_ASSERT_EQUAL(1024LL, usage->cachedInputTokens);
        // Anthropic: the cache reads (the writes are input at the input price).
        usage = scanUsage(R"({"usage":{"input_tokens":7,"cache_creation_input_tokens":100,)"
                          R"("cache_read_input_tokens":1000,"output_tokens":21}})");
        CPPUNIT_ASSERT(usage);
        CPPUNIT_ASSERT_EQUAL(1107LL, usage->inputTokens);
        CPPUNIT_ASSERT_EQUAL(1000LL, usage->cachedInputTokens);
        // The Poco reference reads the same.
        usage = usageByPoco(R"({"prompt_tokens":2006,"prompt_tokens_details":{"cached_tokens":1920}})");
        CPPUNIT_ASSERT(usage && usage->cachedInputTokens == 1920);
        // An Anthropic stream's cumulative message_delta replaces the cache reads too.
        SseFramer framer;
        framer.inspect("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":"
                       "{\"input_tokens\":7,\"cache_read_input_tokens\":1000,\"output_tokens\":1}}}\n\n");
        CPPUNIT_ASSERT_EQUAL(1000LL, framer.usage()->cachedInputTokens);
        framer.inspect("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},\"usage\":"
                       "{\"input_tokens\":8,\"cache_read_input_tokens\":900,\"output_tokens\":16}}\n\n");
        CPPUNIT_ASSERT_EQUAL(908LL, framer.usage()->inputTokens);
        CPPUNIT_ASSERT_EQUAL(900LL, framer.usage()->cachedInputTokens);
    }

    void testEmbeddingsUsage()
    {
        std::string body = R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[)";
        for (int i = 0; i < 20000; ++i)
            body += (i ? ",0.0123" : "0.0123");
        body += R"(]}],"model":"m","usage":{"prompt_tokens":5,"total_tokens":5}})";
        const auto usage = scanUsage(body);
        CPPUNIT_ASSERT(usage);
        CPPUNIT_ASSERT_EQUAL(5LL, usage->inputTokens);
        CPPUNIT_ASSERT_EQUAL(0LL, usage->outputTokens);
    }

    void testNoUsage()
    {
        CPPUNIT_ASSERT(!scanUsage(R"({"id":"c","usage":null})"));
        CPPUNIT_ASSERT(!scanUsage(R"({"id":"c"})"));
        CPPUNIT_ASSERT(!scanUsage(R"({"usage":{"prompt_tokens":)"));
        CPPUNIT_ASSERT(!scanUsage(""));
    }

    void testUsageWordInContentIsIgnored()
    {
        const auto usage = scanUsage(
            R"({"choices":[{"message":{"content":"see \"usage\": {\"prompt_tokens\": 999}"}}],)"
            R"("usage":{"prompt_tokens":4,"completion_tokens":2}})");
        CPPUNIT_ASSERT(usage);
        CPPUNIT_ASSERT_EQUAL(4LL, usage->inputTokens);
        // Only the escaped mention: no usage at all.
        CPPUNIT_ASSERT(!scanUsage(R"({"content":"\"usage\": {\"prompt_tokens\": 9}"})"));
    }

    void testFramingAnySplit()
    {
        const std::string stream = "event: response.created\ndata: {\"a\":1}\n\n"
                                   ": keep-alive comment\n\n"
                                   "data: {\"b\":2}\n\n";
        for (std::size_t piece = 1; piece <= stream.size(); ++piece)
        {
            SseFramer framer;
            std::vector<std::string> events;
            for (std::size_t at = 0; at < stream.size(); at += piece)
            {
                framer.feed(std::string_view(stream).substr(at, piece));
                while (const auto event = framer.next())
                    events.emplace_back(*event);
            }
            CPPUNIT_ASSERT_EQUAL(std::size_t(3), events.size());
            CPPUNIT_ASSERT_EQUAL(std::string("event: response.created\ndata: {\"a\":1}\n\n"), events[0]);
            CPPUNIT_ASSERT_EQUAL(std::string(": keep-alive comment\n\n"), events[1]);
            CPPUNIT_ASSERT_EQUAL(std::string("data: {\"b\":2}\n\n"), events[2]);
            CPPUNIT_ASSERT(framer.pending().empty());
        }
    }

    void testFramingCrLf()
    {
        SseFramer framer;
        framer.feed("\r\ndata: one\r\n\r\ndata: tw");
        auto event = framer.next();
        CPPUNIT_ASSERT(event);
        CPPUNIT_ASSERT_EQUAL(std::string("data: one\r\n\r\n"), std::string(*event));
        CPPUNIT_ASSERT(!framer.next());
        CPPUNIT_ASSERT_EQUAL(std::string("data: tw"), std::string(framer.pending()));
        framer.feed("o\n\n");
        event = framer.next();
        CPPUNIT_ASSERT(event);
        CPPUNIT_ASSERT_EQUAL(std::string("data: two\n\n"), std::string(*event));
    }

    void testChatStreamEnd()
    {
        SseFramer framer;
        framer.inspect("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}\n\n");
        CPPUNIT_ASSERT(!framer.finished());
        CPPUNIT_ASSERT(!framer.usage());
        framer.inspect("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\n");
        CPPUNIT_ASSERT(framer.usage());
        CPPUNIT_ASSERT_EQUAL(1LL, framer.usage()->outputTokens);
        CPPUNIT_ASSERT(!framer.finished());
        framer.inspect("data: [DONE]\n\n");
        CPPUNIT_ASSERT(framer.finished());
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), framer.events());
    }

    void testResponsesStreamEnd()
    {
        SseFramer framer;
        framer.inspect("event: response.created\ndata: {\"response\":{\"usage\":null}}\n\n");
        CPPUNIT_ASSERT(!framer.finished());
        framer.inspect("event: response.completed\r\ndata: {\"response\":{\"usage\":{\"input_tokens\":2,"
                       "\"output_tokens\":5}}}\r\n\r\n");
        CPPUNIT_ASSERT(framer.finished());
        CPPUNIT_ASSERT_EQUAL(5LL, framer.usage()->outputTokens);
    }

    void testErrorChunkEnds()
    {
        // The upstream's own failures end the stream, and are noted as failures (the relay
        // passes the event on, then fails the client's stream).
        SseFramer chat;
        chat.inspect("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n");
        CPPUNIT_ASSERT(!chat.failed());
        chat.inspect("data:  {\"error\":{\"message\":\"overloaded\"}}\n\n");
        CPPUNIT_ASSERT(chat.finished());
        CPPUNIT_ASSERT(chat.failed());
        CPPUNIT_ASSERT_EQUAL(std::string(" {\"error\":{\"message\":\"overloaded\"}}"), chat.failure());
        chat.inspect("data: [DONE]\n\n"); // the first failure is the one kept
        CPPUNIT_ASSERT(chat.failed());
        SseFramer named;
        named.inspect("event: error\ndata: {\"error\":{\"message\":\"x\"}}\n\n");
        CPPUNIT_ASSERT(named.finished());
        CPPUNIT_ASSERT(named.failed());
        SseFramer responses;
        responses.inspect("event: response.failed\r\ndata: {\"type\":\"response.failed\"}\r\n\r\n");
        CPPUNIT_ASSERT(responses.finished());
        CPPUNIT_ASSERT(responses.failed());
        // Clean ends are no failures; neither is "error" inside an ordinary event's data.
        for (const char* end : {"data: [DONE]\n\n", "event: response.completed\ndata: {}\n\n",
                                "event: response.incomplete\ndata: {}\n\n"})
        {
            SseFramer framer;
            framer.inspect("data: {\"choices\":[{\"delta\":{\"content\":\"{\\\"error\\\"\"}}]}\n\n");
            framer.inspect(end);
            CPPUNIT_ASSERT_MESSAGE(end, framer.finished());
            CPPUNIT_ASSERT_MESSAGE(end, !framer.failed());
        }
        // A long error's data is kept only in part (for a log line).
        SseFramer big;
        big.inspect("event: error\ndata: " + std::string(1000, 'x') + "\n\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(300), big.failure().size());
    }

    void testEventAtCapPasses()
    {
        // The cap counts an event as next() hands it out: "data: " + 10 bytes + "\n\n" = 18.
        const std::string event = "data: 0123456789\n\n";
        SseFramer framer(event.size());
        for (int i = 0; i < 3; ++i)
        {
            // Fed a byte at a time and asked after each: the growing event is never refused.
            std::vector<std::string> events;
            for (const char c : event)
            {
                framer.feed(std::string_view(&c, 1));
                if (const auto next = framer.next())
                    events.emplace_back(*next);
            }
            CPPUNIT_ASSERT_EQUAL(std::size_t(1), events.size());
            CPPUNIT_ASSERT_EQUAL(event, events[0]);
        }
        // Stray blank lines between events are no part of either.
        framer.feed("\n\n\n" + event);
        CPPUNIT_ASSERT_EQUAL(event, std::string(*framer.next()));
    }

    void testWholeEventOverCapRefused()
    {
        const std::string event = "data: 0123456789\n\n";
        SseFramer framer(event.size() - 1);
        framer.feed("data: ok\n\n" + event);
        CPPUNIT_ASSERT_EQUAL(std::string("data: ok\n\n"), std::string(*framer.next()));
        try
        {
            framer.next();
            CPPUNIT_FAIL("an event one byte over the cap was handed out");
        }
        catch (const AnswerTooLarge& error)
        {
            CPPUNIT_ASSERT_EQUAL(std::string("max_event_bytes"), std::string(error.field()));
            CPPUNIT_ASSERT_EQUAL(event.size() - 1, error.limit());
        }
    }

    void testUnterminatedEventOverCapRefused()
    {
        // An event that never ends: refused once its bytes pass the cap, not buffered on.
        SseFramer framer(1000);
        framer.feed("data: ");
        CPPUNIT_ASSERT(!framer.next());
        const std::string block(100, 'x');
        std::size_t fed = 6;
        bool refused = false;
        while (!refused && fed < 100000)
        {
            framer.feed(block);
            fed += block.size();
            try
            {
                CPPUNIT_ASSERT(!framer.next());
            }
            catch (const AnswerTooLarge&)
            {
                refused = true;
            }
        }
        CPPUNIT_ASSERT(refused);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1006), fed); // the first feed past 1000 bytes
        // The default cap is 1 MiB.
        SseFramer byDefault;
        byDefault.feed(std::string(DefaultMaxEventBytes, 'y'));
        CPPUNIT_ASSERT(!byDefault.next());
        byDefault.feed("y");
        CPPUNIT_ASSERT_THROW(byDefault.next(), AnswerTooLarge);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StreamParsingTest);
