// ChainRunner: the onion walk of DESIGN.md ("A request's path") over a real Chain with real
// plugin objects and a MemorySink. Every hook writes to a journal, so each test checks the
// exact sequence of calls, not only the answer.

#include "ChainHarness.h"
#include "RecordingPlugin.h"
#include "TestAsserts.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include "Poco/Net/NetException.h"
#include <cppunit/extensions/HelperMacros.h>
#include <stdexcept>

using portico::AnswerSource;
using portico::Exchange;
using portico::Outcome;
using portico::test::ChainHarness;
using portico::test::Journal;
using portico::test::RecordingPlugin;

namespace {

/// Checks an OpenAI-shaped error body and returns its error object.
Poco::JSON::Object::Ptr openAiError(const std::string& body)
{
    Poco::JSON::Parser parser;
    auto root = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
    CPPUNIT_ASSERT_MESSAGE(body, root && root->has("error"));
    auto error = root->getObject("error");
    for (const char* field : {"message", "type", "param", "code"})
        CPPUNIT_ASSERT_MESSAGE(std::string("no ") + field + " in " + body, error->has(field));
    return error;
}

/// A sink whose socket is gone: sending the buffered answer throws, as Poco's does.
class BrokenSink : public portico::test::MemorySink
{
public:
    void sendWhole(const portico::Response&) override
    {
        throw Poco::Net::ConnectionResetException("peer reset (test)");
    }
};

} // namespace

class ChainRunnerTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ChainRunnerTest);
    CPPUNIT_TEST(testFullWalkInOrder);
    CPPUNIT_TEST(testShortCircuitStopsTheInwardWalk);
    CPPUNIT_TEST(testRouteParametersReachTheHandler);
    CPPUNIT_TEST(testThrowingRequestHookGives500WithOuterHeaders);
    CPPUNIT_TEST(testThrowingResponseHookGives500WithOuterHeaders);
    CPPUNIT_TEST(testThrowingHandlerGives500);
    CPPUNIT_TEST(testHandlerThrowingANonException);
    CPPUNIT_TEST(testSilentHandlerGives500);
    CPPUNIT_TEST(testUnknownPathIs404);
    CPPUNIT_TEST(testWrongMethodIs405WithAllow);
    CPPUNIT_TEST(testBodyTooLargeIs413);
    CPPUNIT_TEST(testThrowingBodyAndCompletionHooksDoNotStopTheOthers);
    CPPUNIT_TEST(testCompletionHooksRunWhenTheClientIsGone);
    CPPUNIT_TEST(testStreamRunsHeadHooksBeforeTheFirstChunk);
    CPPUNIT_TEST(testStreamClientGoneMidStream);
    CPPUNIT_TEST(testStreamThatNeverWrites);
    CPPUNIT_TEST(testHandlerThrowingMidStream);
    CPPUNIT_TEST(testThrowingHeadHookOnAStreamGives500);
    CPPUNIT_TEST(testThrowingHeadHookOnAnUnwrittenStreamGives500);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        harness_ = std::make_unique<ChainHarness>();
        journal_.events.clear();
        for (const char* name : {"a", "b", "c"})
            plugins_[name] = &static_cast<RecordingPlugin&>(
                harness_->add(name, std::make_unique<RecordingPlugin>(name, journal_)));
        harness_->route("GET", "/ok", [this](Exchange& exchange) {
            journal_.add("handler");
            exchange.respond(200, "{\"ok\":true}");
        });
    }

    void tearDown() override { harness_.reset(); }

    void testFullWalkInOrder()
    {
        auto result = harness_->request("GET", "/ok");
        CPPUNIT_ASSERT_EQUAL(std::string("request a|request b|request c|handler|"
                                         "head c|head b|head a|"
                                         "body c {\"ok\":true}|body b {\"ok\":true}|body a {\"ok\":true}|"
                                         "complete c completed|complete b completed|complete a completed"),
                             journal_.joined());
        CPPUNIT_ASSERT(result->outcome == Outcome::Completed);
        CPPUNIT_ASSERT(result->sink.sentWhole);
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"ok\":true}"), result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), result->head().headers.get("X-Head-Trail"));
        CPPUNIT_ASSERT(result->exchange->response().source == AnswerSource::Handler);
        CPPUNIT_ASSERT_EQUAL(std::string("/ok"), result->exchange->route());
    }

    void testShortCircuitStopsTheInwardWalk()
    {
        plugins_["b"]->answerRequest = [](Exchange& exchange) {
            exchange.respondError(401, "no key", "invalid_request_error", "invalid_api_key");
        };
        auto result = harness_->request("GET", "/ok");
        // c's request hook and the handler never ran; b (which answered) and a see the head.
        CPPUNIT_ASSERT_EQUAL(std::string("request a|request b|head b|head a|complete b completed|complete a completed"),
                             journal_.joined(false));
        CPPUNIT_ASSERT_EQUAL(401, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("b,a"), result->head().headers.get("X-Head-Trail"));
        CPPUNIT_ASSERT(result->exchange->response().source == AnswerSource::Hook);
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_api_key"), openAiError(result->sink.body)->getValue<std::string>("code"));
    }

    void testRouteParametersReachTheHandler()
    {
        std::string seen;
        harness_->route("GET", "/v1/models/{id}", [&seen](Exchange& exchange) {
            seen = exchange.route() + " " + exchange.pathParam("id") + " " + exchange.query();
            exchange.respond(200, "{}");
        });
        harness_->request("GET", "/v1/models/gpt-4o?verbose=1");
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/models/{id} gpt-4o verbose=1"), seen);
    }

    void testThrowingRequestHookGives500WithOuterHeaders()
    {
        plugins_["b"]->answerRequest = [](Exchange&) { throw std::runtime_error("boom in b"); };
        auto result = harness_->request("GET", "/ok");
        CPPUNIT_ASSERT_EQUAL(500, result->head().status);
        auto error = openAiError(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("server_error"), error->getValue<std::string>("type"));
        PORTICO_ASSERT_NOT_CONTAINS(result->sink.body, "boom"); // internals stay in the log
        CPPUNIT_ASSERT_EQUAL(std::string("b,a"), result->head().headers.get("X-Head-Trail"));
        PORTICO_ASSERT_NOT_CONTAINS(journal_.joined(), "request c");
        PORTICO_ASSERT_NOT_CONTAINS(journal_.joined(), "handler");
        PORTICO_ASSERT_CONTAINS(journal_.joined(), "complete b error|complete a error");
        CPPUNIT_ASSERT(result->outcome == Outcome::Error);
        CPPUNIT_ASSERT(result->exchange->response().source == AnswerSource::Core);
    }

    void testThrowingResponseHookGives500WithOuterHeaders()
    {
        harness_->route("GET", "/custom", [](Exchange& exchange) {
            exchange.respond(201, "created", "text/plain");
            exchange.response().headers.set("X-Handler", "kept");
        });
        plugins_["b"]->answerHead = [](Exchange&) { throw std::runtime_error("boom in b's head hook"); };
        auto result = harness_->request("GET", "/custom");
        CPPUNIT_ASSERT_EQUAL(500, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), result->head().contentType);
        openAiError(result->sink.body);
        // c ran before b threw, a after: both headers are on the 500, and every head hook ran once.
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), result->head().headers.get("X-Head-Trail"));
        CPPUNIT_ASSERT_EQUAL(1, journal_.count("head a"));
        CPPUNIT_ASSERT(result->outcome == Outcome::Error);
        CPPUNIT_ASSERT(result->sink.sentWhole);
    }

    void testThrowingHandlerGives500()
    {
        harness_->route("POST", "/fail", [](Exchange&) { throw Poco::IOException("disk on fire"); });
        auto result = harness_->request("POST", "/fail", {}, "{}");
        CPPUNIT_ASSERT_EQUAL(500, result->head().status);
        auto error = openAiError(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("server_error"), error->getValue<std::string>("code"));
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), result->head().headers.get("X-Head-Trail"));
        CPPUNIT_ASSERT(result->outcome == Outcome::Error);
        PORTICO_ASSERT_CONTAINS(journal_.joined(), "complete c error|complete b error|complete a error");
    }

    void testHandlerThrowingANonException()
    {
        harness_->route("GET", "/int", [](Exchange&) { throw 42; });
        auto result = harness_->request("GET", "/int");
        CPPUNIT_ASSERT_EQUAL(500, result->head().status);
        CPPUNIT_ASSERT(result->outcome == Outcome::Error);
    }

    void testSilentHandlerGives500()
    {
        harness_->route("GET", "/silent", [](Exchange&) {});
        auto result = harness_->request("GET", "/silent");
        CPPUNIT_ASSERT_EQUAL(500, result->head().status);
        openAiError(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), result->head().headers.get("X-Head-Trail"));
    }

    void testUnknownPathIs404()
    {
        auto result = harness_->request("GET", "/nowhere?x=1");
        CPPUNIT_ASSERT_EQUAL(404, result->head().status);
        auto error = openAiError(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("not_found"), error->getValue<std::string>("code"));
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_request_error"), error->getValue<std::string>("type"));
        PORTICO_ASSERT_CONTAINS(error->getValue<std::string>("message"), "/nowhere");
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), result->head().headers.get("X-Head-Trail"));
        CPPUNIT_ASSERT(result->exchange->response().source == AnswerSource::Core);
        CPPUNIT_ASSERT(result->exchange->route().empty());
        CPPUNIT_ASSERT(result->outcome == Outcome::Completed);
    }

    void testWrongMethodIs405WithAllow()
    {
        harness_->route("POST", "/ok", [](Exchange& exchange) { exchange.respond(200, "{}"); });
        auto result = harness_->request("DELETE", "/ok");
        CPPUNIT_ASSERT_EQUAL(405, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD, POST"), result->head().headers.get("Allow"));
        auto error = openAiError(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("method_not_allowed"), error->getValue<std::string>("code"));
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), result->head().headers.get("X-Head-Trail"));
        // HEAD is served by the GET route.
        auto head = harness_->request("HEAD", "/ok");
        CPPUNIT_ASSERT_EQUAL(200, head->head().status);
    }

    void testBodyTooLargeIs413()
    {
        auto exchange = portico::test::makeExchange("GET", "/ok");
        exchange->markBodyTooLarge();
        portico::test::MemorySink sink;
        harness_->run(*exchange, sink);
        CPPUNIT_ASSERT_EQUAL(413, sink.sentHead.status);
        CPPUNIT_ASSERT_EQUAL(std::string("request_too_large"), openAiError(sink.body)->getValue<std::string>("code"));
        PORTICO_ASSERT_NOT_CONTAINS(journal_.joined(), "handler");
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), sink.sentHead.headers.get("X-Head-Trail"));
        // Also when the path does not exist: the body limit comes first.
        auto unknown = portico::test::makeExchange("POST", "/nowhere");
        unknown->markBodyTooLarge();
        portico::test::MemorySink unknownSink;
        harness_->run(*unknown, unknownSink);
        CPPUNIT_ASSERT_EQUAL(413, unknownSink.sentHead.status);
    }

    void testThrowingBodyAndCompletionHooksDoNotStopTheOthers()
    {
        plugins_["b"]->answerBody = [](Exchange&) { throw std::runtime_error("body hook"); };
        plugins_["c"]->answerComplete = [](Exchange&) { throw std::logic_error("completion hook"); };
        auto result = harness_->request("GET", "/ok");
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        CPPUNIT_ASSERT(result->sink.sentWhole);
        PORTICO_ASSERT_CONTAINS(journal_.joined(), "body a");
        PORTICO_ASSERT_CONTAINS(journal_.joined(), "complete c error|complete b error|complete a error");
    }

    void testCompletionHooksRunWhenTheClientIsGone()
    {
        auto exchange = portico::test::makeExchange("GET", "/ok");
        BrokenSink sink;
        CPPUNIT_ASSERT(harness_->run(*exchange, sink) == Outcome::ClientGone);
        PORTICO_ASSERT_CONTAINS(journal_.joined(), "complete c client_gone|complete b client_gone|complete a client_gone");
    }

    void testStreamRunsHeadHooksBeforeTheFirstChunk()
    {
        std::string headSeenAtFirstWrite;
        std::vector<bool> writes;
        harness_->route("GET", "/stream", [&](Exchange& exchange) {
            journal_.add("handler");
            auto& writer = exchange.stream();
            // Nothing is committed before the first write: headers can still change.
            exchange.response().headers.set("X-Model", "echo");
            CPPUNIT_ASSERT(!exchange.response().committed);
            portico::SseWriter sse(writer);
            writes.push_back(sse.data("one"));
            auto& sink = static_cast<portico::test::MemorySink&>(*exchange.sink());
            headSeenAtFirstWrite = sink.sentHead.headers.get("X-Head-Trail", "") + " " + std::to_string(sink.chunks.size());
            writes.push_back(sse.send("tick", "two"));
            writes.push_back(writer.write("")); // empty: nothing sent, the stream stays open
            writes.push_back(writer.open());
        });
        auto result = harness_->request("GET", "/stream");
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a 1"), headSeenAtFirstWrite);
        CPPUNIT_ASSERT(writes == (std::vector<bool>{true, true, true, true}));
        CPPUNIT_ASSERT(result->sink.streamBegun && result->sink.streamEnded && !result->sink.sentWhole);
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), result->head().contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("echo"), result->head().headers.get("X-Model"));
        CPPUNIT_ASSERT(result->sink.chunks == (std::vector<std::string>{"data: one\n\n", "event: tick\ndata: two\n\n"}));
        CPPUNIT_ASSERT_EQUAL(std::string("request a|request b|request c|handler|head c|head b|head a|"
                                         "body c data: one\n\n|body b data: one\n\n|body a data: one\n\n|"
                                         "body c event: tick\ndata: two\n\n|body b event: tick\ndata: two\n\n|"
                                         "body a event: tick\ndata: two\n\n|"
                                         "complete c completed|complete b completed|complete a completed"),
                             journal_.joined());
        CPPUNIT_ASSERT(result->outcome == Outcome::Completed);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(result->sink.body.size()), result->exchange->response().bytesSent);
    }

    void testStreamClientGoneMidStream()
    {
        std::vector<bool> writes;
        harness_->route("GET", "/stream", [&](Exchange& exchange) {
            auto& writer = exchange.stream();
            for (int i = 0; i < 4; ++i)
                writes.push_back(writer.write("chunk" + std::to_string(i)));
            writes.push_back(writer.open());
        });
        auto exchange = portico::test::makeExchange("GET", "/stream");
        portico::test::MemorySink sink;
        sink.failAfterChunks = 2;
        CPPUNIT_ASSERT(harness_->run(*exchange, sink) == Outcome::ClientGone);
        CPPUNIT_ASSERT(writes == (std::vector<bool>{true, true, false, false, false}));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), sink.chunks.size());
        CPPUNIT_ASSERT(exchange->response().clientGone);
        CPPUNIT_ASSERT(!sink.streamEnded);
        PORTICO_ASSERT_CONTAINS(journal_.joined(), "complete c client_gone|complete b client_gone|complete a client_gone");
    }

    void testStreamThatNeverWrites()
    {
        harness_->route("GET", "/empty", [](Exchange& exchange) { exchange.stream(204, "text/plain"); });
        auto result = harness_->request("GET", "/empty");
        CPPUNIT_ASSERT(result->sink.streamBegun && result->sink.streamEnded);
        CPPUNIT_ASSERT_EQUAL(204, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), result->head().headers.get("X-Head-Trail"));
        CPPUNIT_ASSERT(result->sink.chunks.empty());
        CPPUNIT_ASSERT(result->outcome == Outcome::Completed);
    }

    void testHandlerThrowingMidStream()
    {
        harness_->route("GET", "/stream", [](Exchange& exchange) {
            exchange.stream().write("first");
            throw std::runtime_error("upstream died");
        });
        auto result = harness_->request("GET", "/stream");
        // The head is on the wire: the status stays 200, the stream is ended, the outcome says error.
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        CPPUNIT_ASSERT(result->sink.streamEnded);
        CPPUNIT_ASSERT(result->sink.chunks == std::vector<std::string>{"first"});
        CPPUNIT_ASSERT(result->outcome == Outcome::Error);
        PORTICO_ASSERT_CONTAINS(journal_.joined(), "complete a error");
    }

    void testThrowingHeadHookOnAStreamGives500()
    {
        std::vector<bool> writes;
        harness_->route("GET", "/stream", [&](Exchange& exchange) {
            auto& writer = exchange.stream();
            writes.push_back(writer.write("never sent"));
            writes.push_back(writer.open());
        });
        plugins_["b"]->answerHead = [](Exchange&) { throw std::runtime_error("boom in b's head hook"); };
        auto result = harness_->request("GET", "/stream");
        // The head hooks ran when the stream was about to commit; b threw, so the answer is a
        // buffered 500 with the headers of c (before b) and a (after b), and nothing was streamed.
        CPPUNIT_ASSERT(writes == (std::vector<bool>{false, false}));
        CPPUNIT_ASSERT(result->sink.sentWhole);
        CPPUNIT_ASSERT(!result->sink.streamBegun);
        CPPUNIT_ASSERT(result->sink.chunks.empty());
        CPPUNIT_ASSERT_EQUAL(500, result->head().status);
        openAiError(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), result->head().headers.get("X-Head-Trail"));
        CPPUNIT_ASSERT_EQUAL(1, journal_.count("head a"));
        CPPUNIT_ASSERT_EQUAL(1, journal_.count("head c"));
        CPPUNIT_ASSERT(result->outcome == Outcome::Error);
    }

    void testThrowingHeadHookOnAnUnwrittenStreamGives500()
    {
        // The handler opens a stream and returns without writing: the core sends the head.
        harness_->route("GET", "/stream", [](Exchange& exchange) { exchange.stream(); });
        plugins_["b"]->answerHead = [](Exchange&) { throw std::runtime_error("boom in b's head hook"); };
        auto result = harness_->request("GET", "/stream");
        CPPUNIT_ASSERT(result->sink.sentWhole);
        CPPUNIT_ASSERT(!result->sink.streamBegun);
        CPPUNIT_ASSERT_EQUAL(500, result->head().status);
        openAiError(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), result->head().headers.get("X-Head-Trail"));
        CPPUNIT_ASSERT(result->outcome == Outcome::Error);
    }

private:
    std::unique_ptr<ChainHarness> harness_;
    Journal journal_;
    std::map<std::string, RecordingPlugin*> plugins_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ChainRunnerTest);
