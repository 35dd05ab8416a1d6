// ChainRunner: the onion walk of DESIGN.md ("A request's path") over a real Chain with real
// plugin objects and a MemorySink. Every hook writes to a journal, so each test checks the
// exact sequence of calls, not only the answer.

#include "ChainHarness.h"
#include "RecordingPlugin.h"
#include "api/ExchangeControl.h"
#include "http/CoreRoutes.h"
#include "http/ServerState.h"
#include "portico/Deferred.h"
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

/// A sink whose socket is gone: sending the buffered answer fails.
class BrokenSink : public portico::test::MemorySink
{
public:
    bool sendWhole(const portico::Response&) override { return false; }
};

/// A deferred answer driven by the test: `onStart` runs in start(), `onResume` in resume();
/// cancel() is journaled.
class ScriptedAnswer : public portico::DeferredAnswer
{
public:
    using Step = std::function<void(Exchange&)>;
    ScriptedAnswer(Journal& journal, Step onStart, Step onResume = {})
        : journal_(journal), onStart_(std::move(onStart)), onResume_(std::move(onResume))
    {
    }
    ~ScriptedAnswer() override { journal_.add("task destroyed"); }
    void start(Exchange& exchange) override
    {
        journal_.add("task start");
        onStart_(exchange);
    }
    void resume(Exchange& exchange) override
    {
        journal_.add("task resume");
        if (onResume_)
            onResume_(exchange);
    }
    void cancel(Exchange&) override { journal_.add("task cancel"); }

private:
    Journal& journal_;
    Step onStart_;
    Step onResume_;
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
    CPPUNIT_TEST(testDeferredBufferedAnswerAfterATimer);
    CPPUNIT_TEST(testDeferredStreamPacedByTimers);
    CPPUNIT_TEST(testDeferredTaskThrowingBeforeTheHeadGives500);
    CPPUNIT_TEST(testDeferredTaskThrowingMidStreamCutsIt);
    CPPUNIT_TEST(testDeferredStreamFailIsAnError);
    CPPUNIT_TEST(testDeferredStreamClientGoneCancelsTheTask);
    CPPUNIT_TEST(testTimersOfAnEndedExchangeNeverFire);
    CPPUNIT_TEST(testAnswerWithoutRequestRunsEveryHeadHook);
    CPPUNIT_TEST(testRequestHookThatDefersAnswersTheRequest);
    CPPUNIT_TEST(testReadyzWhileDraining);
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
        portico::ExchangeControl::markBodyTooLarge(*exchange);
        portico::test::MemorySink sink;
        harness_->run(exchange, sink);
        CPPUNIT_ASSERT_EQUAL(413, sink.sentHead.status);
        CPPUNIT_ASSERT_EQUAL(std::string("request_too_large"), openAiError(sink.body)->getValue<std::string>("code"));
        PORTICO_ASSERT_NOT_CONTAINS(journal_.joined(), "handler");
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), sink.sentHead.headers.get("X-Head-Trail"));
        // Also when the path does not exist: the body limit comes first.
        auto unknown = portico::test::makeExchange("POST", "/nowhere");
        portico::ExchangeControl::markBodyTooLarge(*unknown);
        portico::test::MemorySink unknownSink;
        harness_->run(unknown, unknownSink);
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
        CPPUNIT_ASSERT(harness_->run(exchange, sink) == Outcome::ClientGone);
        PORTICO_ASSERT_CONTAINS(journal_.joined(), "complete c client_gone|complete b client_gone|complete a client_gone");
    }

    void testStreamRunsHeadHooksBeforeTheFirstChunk()
    {
        std::string headSeenAtFirstWrite;
        std::vector<bool> writes;
        portico::test::MemorySink sink;
        harness_->route("GET", "/stream", [&](Exchange& exchange) {
            journal_.add("handler");
            auto& writer = exchange.stream();
            // Nothing is committed before the first write: headers can still change.
            exchange.response().headers.set("X-Model", "echo");
            CPPUNIT_ASSERT(!exchange.response().committed);
            portico::SseWriter sse(writer);
            writes.push_back(sse.data("one"));
            headSeenAtFirstWrite = sink.sentHead.headers.get("X-Head-Trail", "") + " " + std::to_string(sink.chunks.size());
            writes.push_back(sse.send("tick", "two"));
            writes.push_back(writer.write("")); // empty: nothing sent, the stream stays open
            writes.push_back(writer.open());
        });
        auto exchange = portico::test::makeExchange("GET", "/stream");
        const Outcome outcome = harness_->run(exchange, sink);
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a 1"), headSeenAtFirstWrite);
        CPPUNIT_ASSERT(writes == (std::vector<bool>{true, true, true, true}));
        CPPUNIT_ASSERT(sink.streamBegun && sink.streamEnded && !sink.sentWhole && !sink.streamAborted);
        CPPUNIT_ASSERT_EQUAL(200, sink.sentHead.status);
        CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), sink.sentHead.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("echo"), sink.sentHead.headers.get("X-Model"));
        CPPUNIT_ASSERT(sink.chunks == (std::vector<std::string>{"data: one\n\n", "event: tick\ndata: two\n\n"}));
        CPPUNIT_ASSERT_EQUAL(std::string("request a|request b|request c|handler|head c|head b|head a|"
                                         "body c data: one\n\n|body b data: one\n\n|body a data: one\n\n|"
                                         "body c event: tick\ndata: two\n\n|body b event: tick\ndata: two\n\n|"
                                         "body a event: tick\ndata: two\n\n|"
                                         "complete c completed|complete b completed|complete a completed"),
                             journal_.joined());
        CPPUNIT_ASSERT(outcome == Outcome::Completed);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(sink.body.size()), exchange->response().bytesSent);
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
        CPPUNIT_ASSERT(harness_->run(exchange, sink) == Outcome::ClientGone);
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
        // The head is on the wire: the status stays 200, the stream is cut (no terminating
        // chunk: the client sees the truncation), the outcome says error.
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        CPPUNIT_ASSERT(result->sink.streamAborted);
        CPPUNIT_ASSERT(!result->sink.streamEnded);
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

    void testDeferredBufferedAnswerAfterATimer()
    {
        harness_->route("POST", "/later", [this](Exchange& exchange) {
            journal_.add("handler");
            exchange.defer(std::make_unique<ScriptedAnswer>(journal_, [this](Exchange& e) {
                e.after(std::chrono::milliseconds(30), [this, &e] {
                    journal_.add("timer");
                    e.respond(202, "{\"later\":true}");
                });
            }));
        });
        const auto started = std::chrono::steady_clock::now();
        auto result = harness_->request("POST", "/later", {}, "{}");
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(30));
        CPPUNIT_ASSERT_EQUAL(202, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"later\":true}"), result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), result->head().headers.get("X-Head-Trail"));
        // The task is gone before the completion hooks run.
        CPPUNIT_ASSERT_EQUAL(std::string("request a|request b|request c|handler|task start|timer|head c|head b|head a|"
                                         "task destroyed|complete c completed|complete b completed|complete a completed"),
                             journal_.joined(false));
        CPPUNIT_ASSERT(result->exchange->response().source == AnswerSource::Handler);
    }

    void testDeferredStreamPacedByTimers()
    {
        struct Ticks
        {
            int sent = 0;
        };
        auto ticks = std::make_shared<Ticks>();
        harness_->route("GET", "/ticks", [this, ticks](Exchange& exchange) {
            std::function<void(Exchange&)> tick = [ticks](Exchange& e) {
                portico::SseWriter(e.stream()).data(std::to_string(ticks->sent++));
            };
            exchange.defer(std::make_unique<ScriptedAnswer>(journal_, [ticks, tick](Exchange& e) {
                tick(e);
                // Three more, 10 ms apart, then the end.
                for (int i = 1; i <= 3; ++i)
                    e.after(std::chrono::milliseconds(10 * i), [&e, ticks, tick, i] {
                        tick(e);
                        if (i == 3)
                            e.stream().end();
                    });
            }));
        });
        auto result = harness_->request("GET", "/ticks");
        CPPUNIT_ASSERT(result->outcome == Outcome::Completed);
        CPPUNIT_ASSERT(result->sink.streamBegun && result->sink.streamEnded && !result->sink.streamAborted);
        CPPUNIT_ASSERT(result->sink.chunks ==
                       (std::vector<std::string>{"data: 0\n\n", "data: 1\n\n", "data: 2\n\n", "data: 3\n\n"}));
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), result->head().headers.get("X-Head-Trail"));
        CPPUNIT_ASSERT_EQUAL(1, journal_.count("head a"));
    }

    void testDeferredTaskThrowingBeforeTheHeadGives500()
    {
        harness_->route("GET", "/fails", [this](Exchange& exchange) {
            exchange.defer(std::make_unique<ScriptedAnswer>(
                journal_, [](Exchange& e) { e.after(std::chrono::milliseconds(1), [] { throw std::runtime_error("late boom"); }); }));
        });
        auto result = harness_->request("GET", "/fails");
        CPPUNIT_ASSERT_EQUAL(500, result->head().status);
        openAiError(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("c,b,a"), result->head().headers.get("X-Head-Trail"));
        CPPUNIT_ASSERT(result->outcome == Outcome::Error);
        CPPUNIT_ASSERT(result->exchange->response().source == AnswerSource::Core);
    }

    void testDeferredTaskThrowingMidStreamCutsIt()
    {
        harness_->route("GET", "/fails", [this](Exchange& exchange) {
            exchange.defer(std::make_unique<ScriptedAnswer>(journal_, [](Exchange& e) {
                e.stream().write("first");
                e.after(std::chrono::milliseconds(1), [] { throw std::runtime_error("mid-stream boom"); });
            }));
        });
        auto result = harness_->request("GET", "/fails");
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        CPPUNIT_ASSERT(result->sink.chunks == std::vector<std::string>{"first"});
        CPPUNIT_ASSERT(result->sink.streamAborted && !result->sink.streamEnded);
        CPPUNIT_ASSERT(result->outcome == Outcome::Error);
        PORTICO_ASSERT_CONTAINS(journal_.joined(), "complete c error|complete b error|complete a error");
    }

    void testDeferredStreamFailIsAnError()
    {
        harness_->route("GET", "/truncated", [this](Exchange& exchange) {
            exchange.defer(std::make_unique<ScriptedAnswer>(journal_, [](Exchange& e) {
                e.stream().write("partial");
                e.stream().fail();
            }));
        });
        auto result = harness_->request("GET", "/truncated");
        CPPUNIT_ASSERT(result->sink.streamAborted && !result->sink.streamEnded);
        CPPUNIT_ASSERT(result->outcome == Outcome::Error);
        PORTICO_ASSERT_CONTAINS(journal_.joined(), "complete a error");
    }

    void testDeferredStreamClientGoneCancelsTheTask()
    {
        harness_->route("GET", "/gone", [this](Exchange& exchange) {
            exchange.defer(std::make_unique<ScriptedAnswer>(journal_, [this](Exchange& e) {
                e.stream().write("one");
                e.after(std::chrono::milliseconds(5), [this, &e] {
                    if (!e.stream().write("two"))
                        journal_.add("write failed");
                });
            }));
        });
        auto exchange = portico::test::makeExchange("GET", "/gone");
        portico::test::MemorySink sink;
        sink.failAfterChunks = 1;
        CPPUNIT_ASSERT(harness_->run(exchange, sink) == Outcome::ClientGone);
        CPPUNIT_ASSERT_EQUAL(std::string("request a|request b|request c|task start|head c|head b|head a|write failed|"
                                         "task cancel|task destroyed|"
                                         "complete c client_gone|complete b client_gone|complete a client_gone"),
                             journal_.joined(false));
    }

    void testTimersOfAnEndedExchangeNeverFire()
    {
        auto fired = std::make_shared<bool>(false);
        harness_->route("GET", "/early", [this, fired](Exchange& exchange) {
            exchange.defer(std::make_unique<ScriptedAnswer>(journal_, [fired](Exchange& e) {
                e.after(std::chrono::milliseconds(20), [fired] { *fired = true; });
                e.respond(200, "{}");
            }));
        });
        auto result = harness_->request("GET", "/early");
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(60);
        while (std::chrono::steady_clock::now() < until)
            harness_->loop().runOnce(std::chrono::milliseconds(5));
        CPPUNIT_ASSERT(!*fired);
    }

    void testAnswerWithoutRequestRunsEveryHeadHook()
    {
        auto exchange = std::make_unique<Exchange>("-", "/", portico::HeaderList(), std::string(), "127.0.0.1:1");
        portico::test::MemorySink sink;
        harness_->runWithoutRequest(exchange, sink, 408, "Timed out reading the request head.", "request_timeout");
        CPPUNIT_ASSERT_EQUAL(408, sink.sentHead.status);
        CPPUNIT_ASSERT_EQUAL(std::string("request_timeout"), openAiError(sink.body)->getValue<std::string>("code"));
        CPPUNIT_ASSERT_EQUAL(std::string("head c|head b|head a|complete c completed|complete b completed|"
                                         "complete a completed"),
                             journal_.joined(false));
    }

    void testRequestHookThatDefersAnswersTheRequest()
    {
        // b answers from its request hook, later, on the loop: c's hook and the handler never
        // run; the head hooks of a and b do.
        plugins_["b"]->answerRequest = [this](Exchange& exchange) {
            exchange.defer(std::make_unique<ScriptedAnswer>(journal_, [](Exchange& e) {
                e.after(std::chrono::milliseconds(2), [&e] { e.respond(202, "{\"later\":true}"); });
            }));
        };
        auto result = harness_->request("GET", "/ok");
        CPPUNIT_ASSERT_EQUAL(202, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"later\":true}"), result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("request a|request b|task start|head b|head a|task destroyed|"
                                         "complete b completed|complete a completed"),
                             journal_.joined(false));
    }

    void testReadyzWhileDraining()
    {
        portico::ServerState state;
        portico::registerCoreRoutes(harness_->chain(), false, &state);
        CPPUNIT_ASSERT_EQUAL(200, harness_->request("GET", "/readyz")->head().status);
        state.setDraining();
        auto result = harness_->request("GET", "/readyz");
        CPPUNIT_ASSERT_EQUAL(503, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("not_ready"), openAiError(result->sink.body)->getValue<std::string>("code"));
        PORTICO_ASSERT_CONTAINS(result->sink.body, "shutting down");
    }

private:
    std::unique_ptr<ChainHarness> harness_;
    Journal journal_;
    std::map<std::string, RecordingPlugin*> plugins_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ChainRunnerTest);
