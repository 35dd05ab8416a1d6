// The otel plugin in a real chain (ChainHarness: a real Exchange, ChainRunner and EventLoop),
// after the tracing plugin or alone, exporting to a FakeCollector: the server span's ids (the
// answer's X-Trace-Id, the incoming parent), its HTTP and GenAI attributes, the attempts' client
// spans, time to first token on a stream, the sampling decision in the outgoing traceparent,
// and spans dropped (and counted) when the queue is full.

#include "ChainHarness.h"
#include "FakeCollector.h"
#include "OtelPlugin.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include "TracingPlugin.h"
#include "portico/Attributes.h"
#include "portico/Traceparent.h"
#include "prometheus/registry.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::Exchange;
using portico::otel::OtelPlugin;
using portico::otel::test::attributeText;
using portico::otel::test::FakeCollector;
using portico::otel::test::hexOf;
using portico::test::ChainHarness;
using portico::test::TestPluginContext;
namespace attr = portico::attr;

namespace {

const std::string incomingTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string incomingParent = "00f067aa0ba902b7";

/// The value of a counter series in `registry` (labels as "k=v"), or -1.
double counterValue(prometheus::Registry& registry, const std::string& name, const std::string& label = "")
{
    for (const auto& family : registry.Collect())
    {
        if (family.name != name)
            continue;
        for (const auto& metric : family.metric)
        {
            std::string labels;
            for (const auto& pair : metric.label)
                labels += pair.name + "=" + pair.value;
            if (labels == label)
                return metric.counter.value;
        }
    }
    return -1;
}

} // namespace

class OtelPluginTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(OtelPluginTest);
    CPPUNIT_TEST(testServerAndAttemptSpans);
    CPPUNIT_TEST(testStreamHasTimeToFirstToken);
    CPPUNIT_TEST(testAnthropicMessagesSpans);
    CPPUNIT_TEST(testWithoutTracingItJoinsTheTraceItself);
    CPPUNIT_TEST(testUnsampledParentIsFollowedAndPropagated);
    CPPUNIT_TEST(testErrorsAreSpanStatus);
    CPPUNIT_TEST(testExcludedPathsGetNoSpan);
    CPPUNIT_TEST(testFullQueueDropsAndCounts);
    CPPUNIT_TEST(testTheHandlersResponseFactsWin);
    CPPUNIT_TEST(testBeforeTracingTheSpanHasTheIdsSentUpstream);
    CPPUNIT_TEST_SUITE_END();

public:
    void tearDown() override
    {
        if (otel_)
            otel_->stop();
        harness_.reset();
        otelContext_.reset();
        tracingContext_.reset();
    }

    void testServerAndAttemptSpans()
    {
        FakeCollector collector;
        build(collector, true, "");
        auto result = harness_->request("POST", "/v1/chat/completions",
                                        {{"traceparent", "00-" + incomingTrace + "-" + incomingParent + "-01"},
                                         {"Host", "gateway.example:8443"},
                                         {"User-Agent", "openai-python/1.0"}},
                                        R"({"model":"m","max_tokens":7,"messages":[{"role":"user","content":"secret prompt"}]})");
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        const std::string traceId = result->head().headers.get("X-Trace-Id", "");
        CPPUNIT_ASSERT_EQUAL(incomingTrace, traceId);
        otel_->stop(); // flushes
        CPPUNIT_ASSERT(collector.waitForSpans(3, 10));
        const auto spans = collector.spans();
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), spans.size());
        const auto& server = spans[0];
        CPPUNIT_ASSERT_EQUAL(traceId, hexOf(server.trace_id()));
        CPPUNIT_ASSERT_EQUAL(incomingParent, hexOf(server.parent_span_id()));
        // The server span's id is the parent id the tracing plugin sends upstream.
        const auto outgoing = portico::Traceparent::parse(result->exchange->get(attr::TraceparentOut));
        CPPUNIT_ASSERT(outgoing);
        CPPUNIT_ASSERT_EQUAL(outgoing->parentId, hexOf(server.span_id()));
        CPPUNIT_ASSERT(server.kind() == opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
        CPPUNIT_ASSERT_EQUAL(std::string("POST /v1/chat/completions"), server.name());
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), attributeText(server, "http.request.method"));
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), attributeText(server, "url.path"));
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), attributeText(server, "http.route"));
        CPPUNIT_ASSERT_EQUAL(std::string("200"), attributeText(server, "http.response.status_code"));
        CPPUNIT_ASSERT_EQUAL(std::string("gateway.example"), attributeText(server, "server.address"));
        CPPUNIT_ASSERT_EQUAL(std::string("8443"), attributeText(server, "server.port"));
        CPPUNIT_ASSERT_EQUAL(std::string("openai-python/1.0"), attributeText(server, "user_agent.original"));
        CPPUNIT_ASSERT_EQUAL(std::string("chat"), attributeText(server, "gen_ai.operation.name"));
        CPPUNIT_ASSERT_EQUAL(std::string("m"), attributeText(server, "gen_ai.request.model"));
        CPPUNIT_ASSERT_EQUAL(std::string("m-0613"), attributeText(server, "gen_ai.response.model"));
        CPPUNIT_ASSERT_EQUAL(std::string("7"), attributeText(server, "gen_ai.request.max_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("stop"), attributeText(server, "gen_ai.response.finish_reasons"));
        CPPUNIT_ASSERT_EQUAL(std::string("3"), attributeText(server, "gen_ai.usage.input_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("5"), attributeText(server, "gen_ai.usage.output_tokens"));
        CPPUNIT_ASSERT(server.status().code() == opentelemetry::proto::trace::v1::Status::STATUS_CODE_UNSET);
        CPPUNIT_ASSERT(server.end_time_unix_nano() >= server.start_time_unix_nano());
        // No content: neither the prompt nor the completion is anywhere in the export.
        for (const auto& received : collector.received())
        {
            PORTICO_ASSERT_NOT_CONTAINS(received.body, "secret prompt");
            PORTICO_ASSERT_NOT_CONTAINS(received.body, "the completion text");
        }

        const auto& failed = spans[1];
        const auto& answered = spans[2];
        for (const auto* client : {&failed, &answered})
        {
            CPPUNIT_ASSERT(client->kind() == opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
            CPPUNIT_ASSERT_EQUAL(traceId, hexOf(client->trace_id()));
            CPPUNIT_ASSERT_EQUAL(hexOf(server.span_id()), hexOf(client->parent_span_id()));
            CPPUNIT_ASSERT_EQUAL(std::string("chat m"), client->name());
        }
        CPPUNIT_ASSERT_EQUAL(std::string("aaaaaaaaaaaaaaaa"), hexOf(failed.span_id()));
        CPPUNIT_ASSERT(failed.status().code() == opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
        CPPUNIT_ASSERT_EQUAL(std::string("connect_error"), attributeText(failed, "error.type"));
        CPPUNIT_ASSERT_EQUAL(std::string("9"), attributeText(failed, "server.port"));
        CPPUNIT_ASSERT_EQUAL(std::string("<absent>"), attributeText(failed, "gen_ai.usage.input_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("bbbbbbbbbbbbbbbb"), hexOf(answered.span_id()));
        CPPUNIT_ASSERT_EQUAL(std::string("200"), attributeText(answered, "http.response.status_code"));
        CPPUNIT_ASSERT_EQUAL(std::string("live"), attributeText(answered, "portico.upstream"));
        // Each attempt names the API its upstream speaks; the server span the gateway's.
        CPPUNIT_ASSERT_EQUAL(std::string("anthropic"), attributeText(answered, "gen_ai.provider.name"));
        CPPUNIT_ASSERT_EQUAL(std::string("openai"), attributeText(failed, "gen_ai.provider.name"));
        CPPUNIT_ASSERT_EQUAL(std::string("openai"), attributeText(server, "gen_ai.provider.name"));
        CPPUNIT_ASSERT_EQUAL(std::string("5"), attributeText(answered, "gen_ai.usage.output_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1700000000100000000ULL), std::uint64_t(answered.start_time_unix_nano()));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1700000000100900000ULL), std::uint64_t(answered.end_time_unix_nano()));
        // The server span holds its attempts, whose times here are long before the request's
        // own: it is widened to them (their clock and its own may disagree; a parent must hold
        // its children).
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1700000000000000000ULL), std::uint64_t(server.start_time_unix_nano()));
        CPPUNIT_ASSERT(server.end_time_unix_nano() > 1700000000100900000ULL);
        CPPUNIT_ASSERT_EQUAL(std::string("portico"), collector.resource().attributes(0).value().string_value());
    }

    void testStreamHasTimeToFirstToken()
    {
        FakeCollector collector;
        build(collector, true, "");
        auto result = harness_->request("POST", "/v1/chat/completions?stream", {}, R"({"model":"m","stream":true})");
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        otel_->stop();
        CPPUNIT_ASSERT(collector.waitForSpans(1, 10));
        const auto spans = collector.spans();
        const auto& server = spans.at(0);
        CPPUNIT_ASSERT_EQUAL(1, server.events_size());
        CPPUNIT_ASSERT_EQUAL(std::string("gen_ai.first_token"), server.events(0).name());
        CPPUNIT_ASSERT(server.events(0).time_unix_nano() >= server.start_time_unix_nano());
        CPPUNIT_ASSERT(server.events(0).time_unix_nano() <= server.end_time_unix_nano());
        CPPUNIT_ASSERT(attributeText(server, "gen_ai.server.time_to_first_token") != "<absent>");
        CPPUNIT_ASSERT_EQUAL(std::string("m-stream"), attributeText(server, "gen_ai.response.model"));
        CPPUNIT_ASSERT_EQUAL(std::string("length"), attributeText(server, "gen_ai.response.finish_reasons"));
    }

    void testAnthropicMessagesSpans()
    {
        FakeCollector collector;
        build(collector, true, "");
        auto plain = harness_->request("POST", "/v1/messages", {}, R"({"model":"claude-x","max_tokens":9,"messages":[]})");
        CPPUNIT_ASSERT_EQUAL(200, plain->head().status);
        auto streamed = harness_->request("POST", "/v1/messages?stream", {}, R"({"model":"claude-x","max_tokens":9})");
        CPPUNIT_ASSERT_EQUAL(200, streamed->head().status);
        otel_->stop();
        CPPUNIT_ASSERT(collector.waitForSpans(2, 10));
        const auto spans = collector.spans();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), spans.size());
        for (const auto& server : spans)
        {
            // Anthropic's API: a chat operation, its provider anthropic, its stop_reason values.
            CPPUNIT_ASSERT_EQUAL(std::string("chat"), attributeText(server, "gen_ai.operation.name"));
            CPPUNIT_ASSERT_EQUAL(std::string("anthropic"), attributeText(server, "gen_ai.provider.name"));
            CPPUNIT_ASSERT_EQUAL(std::string("claude-x"), attributeText(server, "gen_ai.request.model"));
            CPPUNIT_ASSERT_EQUAL(std::string("9"), attributeText(server, "gen_ai.request.max_tokens"));
            CPPUNIT_ASSERT_EQUAL(std::string("claude-x-0613"), attributeText(server, "gen_ai.response.model"));
            CPPUNIT_ASSERT_EQUAL(std::string("11"), attributeText(server, "gen_ai.usage.input_tokens"));
        }
        CPPUNIT_ASSERT_EQUAL(std::string("end_turn"), attributeText(spans[0], "gen_ai.response.finish_reasons"));
        CPPUNIT_ASSERT_EQUAL(std::string("max_tokens"), attributeText(spans[1], "gen_ai.response.finish_reasons"));
    }

    void testWithoutTracingItJoinsTheTraceItself()
    {
        FakeCollector collector;
        build(collector, false, "");
        auto result = harness_->request("GET", "/plain",
                                        {{"traceparent", "00-" + incomingTrace + "-" + incomingParent + "-01"}});
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        CPPUNIT_ASSERT_EQUAL(incomingTrace, result->exchange->get(attr::TraceId));
        const auto outgoing = portico::Traceparent::parse(result->exchange->get(attr::TraceparentOut));
        CPPUNIT_ASSERT(outgoing && outgoing->traceId == incomingTrace && outgoing->sampled);
        otel_->stop();
        CPPUNIT_ASSERT(collector.waitForSpans(1, 10));
        const auto spans = collector.spans();
        const auto& server = spans.at(0);
        CPPUNIT_ASSERT_EQUAL(incomingTrace, hexOf(server.trace_id()));
        CPPUNIT_ASSERT_EQUAL(outgoing->parentId, hexOf(server.span_id()));
        CPPUNIT_ASSERT_EQUAL(incomingParent, hexOf(server.parent_span_id()));
        CPPUNIT_ASSERT_EQUAL(std::string("<absent>"), attributeText(server, "gen_ai.operation.name"));

        // No incoming traceparent: a new trace, a root span.
        auto fresh = harness_->request("GET", "/plain");
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), fresh->exchange->get(attr::TraceId).size());
        CPPUNIT_ASSERT(fresh->exchange->get(attr::TraceId) != incomingTrace);
    }

    void testUnsampledParentIsFollowedAndPropagated()
    {
        FakeCollector collector;
        build(collector, true, "");
        auto result = harness_->request("GET", "/plain",
                                        {{"traceparent", "00-" + incomingTrace + "-" + incomingParent + "-00"}});
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        CPPUNIT_ASSERT(!portico::Traceparent::parse(result->exchange->get(attr::TraceparentOut))->sampled);
        // always_off for roots: this one is not recorded, and upstreams are told so.
        tearDown();
        build(collector, true, "sampler = parentbased_always_off\n");
        auto root = harness_->request("GET", "/plain");
        CPPUNIT_ASSERT(!portico::Traceparent::parse(root->exchange->get(attr::TraceparentOut))->sampled);
        // A sampled parent is followed even so.
        auto child = harness_->request("GET", "/plain",
                                       {{"traceparent", "00-" + incomingTrace + "-" + incomingParent + "-01"}});
        CPPUNIT_ASSERT(portico::Traceparent::parse(child->exchange->get(attr::TraceparentOut))->sampled);
        otel_->stop();
        CPPUNIT_ASSERT(collector.waitForSpans(1, 10));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), collector.spans().size());
        CPPUNIT_ASSERT_EQUAL(incomingTrace, hexOf(collector.spans()[0].trace_id()));
    }

    void testErrorsAreSpanStatus()
    {
        FakeCollector collector;
        build(collector, true, "");
        CPPUNIT_ASSERT_EQUAL(500, harness_->request("GET", "/throw")->head().status);
        CPPUNIT_ASSERT_EQUAL(404, harness_->request("GET", "/nowhere")->head().status);
        otel_->stop();
        CPPUNIT_ASSERT(collector.waitForSpans(2, 10));
        const auto spans = collector.spans();
        CPPUNIT_ASSERT(spans[0].status().code() == opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
        CPPUNIT_ASSERT_EQUAL(std::string("500"), attributeText(spans[0], "error.type"));
        // A 4xx is the client's error, not the server's: no error status on a server span.
        CPPUNIT_ASSERT(spans[1].status().code() == opentelemetry::proto::trace::v1::Status::STATUS_CODE_UNSET);
        CPPUNIT_ASSERT_EQUAL(std::string("404"), attributeText(spans[1], "http.response.status_code"));
        CPPUNIT_ASSERT_EQUAL(std::string("GET"), spans[1].name()); // no route: the method alone
    }

    void testTheHandlersResponseFactsWin()
    {
        FakeCollector collector;
        build(collector, true, "");
        CPPUNIT_ASSERT_EQUAL(200, harness_->request("POST", "/v1/completions", {}, R"({"model":"m","max_tokens":99})")->head().status);
        CPPUNIT_ASSERT_EQUAL(200, harness_->request("POST", "/v1/embeddings", {}, R"({"model":"e","max_tokens":3})")->head().status);
        otel_->stop();
        CPPUNIT_ASSERT(collector.waitForSpans(2, 10));
        const auto spans = collector.spans();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), spans.size());
        CPPUNIT_ASSERT_EQUAL(std::string("said-model"), attributeText(spans[0], "gen_ai.response.model"));
        CPPUNIT_ASSERT_EQUAL(std::string("length,content_filter"), attributeText(spans[0], "gen_ai.response.finish_reasons"));
        CPPUNIT_ASSERT_EQUAL(std::string("said-embedder"), attributeText(spans[1], "gen_ai.response.model"));
        // Present and empty: none, and the body's is not taken.
        CPPUNIT_ASSERT_EQUAL(std::string("<absent>"), attributeText(spans[1], "gen_ai.response.finish_reasons"));
        // The same for the request's output limit.
        CPPUNIT_ASSERT_EQUAL(std::string("5"), attributeText(spans[0], "gen_ai.request.max_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("<absent>"), attributeText(spans[1], "gen_ai.request.max_tokens"));
    }

    void testExcludedPathsGetNoSpan()
    {
        FakeCollector collector;
        build(collector, true, "exclude_paths = /plain\n");
        CPPUNIT_ASSERT_EQUAL(200, harness_->request("GET", "/plain")->head().status);
        CPPUNIT_ASSERT_EQUAL(500, harness_->request("GET", "/throw")->head().status);
        otel_->stop();
        CPPUNIT_ASSERT(collector.waitForSpans(1, 10));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), collector.spans().size());
        CPPUNIT_ASSERT_EQUAL(std::string("/throw"), attributeText(collector.spans()[0], "url.path"));
    }

    void testFullQueueDropsAndCounts()
    {
        FakeCollector collector;
        // The exporter is not started: nothing leaves the queue of 2.
        build(collector, true, "max_queue_size = 2\nmax_export_batch_size = 1\n", false);
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT_EQUAL(200, harness_->request("GET", "/plain")->head().status);
        CPPUNIT_ASSERT_EQUAL(3.0, counterValue(otelContext_->metrics(), "portico_otel_spans_dropped_total", "reason=queue_full"));
        otel_->start();
        otel_->stop();
        CPPUNIT_ASSERT(collector.waitForSpans(2, 10));
        CPPUNIT_ASSERT_EQUAL(2.0, counterValue(otelContext_->metrics(), "portico_otel_spans_exported_total"));
        CPPUNIT_ASSERT_EQUAL(2.0, counterValue(otelContext_->metrics(), "portico_otel_exports_total", "result=ok"));
    }

    void testBeforeTracingTheSpanHasTheIdsSentUpstream()
    {
        // Placed before tracing (not the documented order), otel starts its own span id, and then
        // tracing writes traceparent_out with its own. The span reads the ids at completion: it
        // has the one upstreams were sent as their parent, and the answer's trace id.
        FakeCollector collector;
        build(collector, true, "", true, true);
        auto result = harness_->request("GET", "/plain",
                                        {{"traceparent", "00-" + incomingTrace + "-" + incomingParent + "-01"}});
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        const auto outgoing = portico::Traceparent::parse(result->exchange->get(attr::TraceparentOut));
        CPPUNIT_ASSERT(outgoing && outgoing->sampled);
        otel_->stop();
        CPPUNIT_ASSERT(collector.waitForSpans(1, 10));
        const auto spans = collector.spans();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), spans.size());
        CPPUNIT_ASSERT_EQUAL(result->exchange->get(attr::TraceId), hexOf(spans[0].trace_id()));
        CPPUNIT_ASSERT_EQUAL(incomingTrace, hexOf(spans[0].trace_id()));
        CPPUNIT_ASSERT_EQUAL(outgoing->parentId, hexOf(spans[0].span_id()));
        CPPUNIT_ASSERT_EQUAL(incomingParent, hexOf(spans[0].parent_span_id()));
    }

private:
    void build(const FakeCollector& collector, bool withTracing, const std::string& extra, bool start = true,
               bool tracingAfterOtel = false)
    {
        harness_ = std::make_unique<ChainHarness>();
        if (withTracing && !tracingAfterOtel)
        {
            tracingContext_ = std::make_unique<TestPluginContext>("[tracing]\n", "tracing");
            harness_->add("tracing", std::make_unique<portico::tracing::TracingPlugin>(*tracingContext_));
        }
        otelContext_ = std::make_unique<TestPluginContext>(
            "[otel]\nendpoint = " + collector.url() + "\nschedule_delay_ms = 50\n" + extra, "otel");
        auto plugin = std::make_unique<OtelPlugin>(*otelContext_);
        CPPUNIT_ASSERT(otelContext_->config().unreadKeys().empty());
        CPPUNIT_ASSERT(plugin->blocking() == portico::Blocking::Never);
        otel_ = plugin.get();
        harness_->add("otel", std::move(plugin));
        if (withTracing && tracingAfterOtel)
        {
            tracingContext_ = std::make_unique<TestPluginContext>("[tracing]\n", "tracing");
            harness_->add("tracing", std::make_unique<portico::tracing::TracingPlugin>(*tracingContext_));
        }
        if (start)
            otel_->start();

        harness_->route("POST", "/v1/chat/completions", [](Exchange& exchange) {
            exchange.set(attr::Model, "m");
            exchange.set(attr::UsageInputTokens, "3");
            exchange.set(attr::UsageOutputTokens, "5");
            if (exchange.query() == "stream")
            {
                auto& writer = exchange.stream();
                writer.write("data: {\"model\":\"m-stream\",\"choices\":[{\"delta\":{},\"finish_reason\":null}]}\n\n");
                writer.write("data: {\"model\":\"m-stream\",\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}\n\n");
                writer.write("data: [DONE]\n\n");
                writer.end();
                return;
            }
            exchange.set(attr::UpstreamAttempts,
                         "1700000000000000000 2500000 aaaaaaaaaaaaaaaa connect_error 127.0.0.1:9 dead\n"
                         "1700000000100000000 900000 bbbbbbbbbbbbbbbb 200 127.0.0.1:8080 live anthropic\n");
            exchange.respond(200, R"({"id":"x","model":"m-0613","choices":[{"message":{"content":"the completion text"},)"
                                  R"("finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":5}})");
        });
        harness_->route("POST", "/v1/messages", [](Exchange& exchange) {
            exchange.set(attr::Model, "claude-x");
            exchange.set(attr::UsageInputTokens, "11");
            exchange.set(attr::UsageOutputTokens, "2");
            if (exchange.query() == "stream")
            {
                auto& writer = exchange.stream();
                writer.write("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-x-0613\","
                             "\"stop_reason\":null}}\n\n");
                writer.write("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"}}\n\n");
                writer.write("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
                writer.end();
                return;
            }
            exchange.respond(200, R"({"id":"msg_1","type":"message","model":"claude-x-0613","content":[],)"
                                  R"("stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":11,"output_tokens":2}})");
        });
        // A handler that says what answered (as the openai plugin's local models do): its body,
        // which says otherwise, is not read for it.
        harness_->route("POST", "/v1/completions", [](Exchange& exchange) {
            exchange.set(attr::ResponseModel, "said-model");
            exchange.set(attr::ResponseFinishReasons, "length\ncontent_filter\n");
            exchange.set(attr::RequestMaxTokens, "5");
            exchange.respond(200, R"({"model":"body-model","choices":[{"finish_reason":"stop"}]})");
        });
        harness_->route("POST", "/v1/embeddings", [](Exchange& exchange) {
            exchange.set(attr::ResponseModel, "said-embedder");
            exchange.set(attr::ResponseFinishReasons, "");
            exchange.set(attr::RequestMaxTokens, "");
            exchange.respond(200, R"({"model":"body-embedder","data":[{"finish_reason":"stop"}]})");
        });
        harness_->route("GET", "/plain", [](Exchange& exchange) { exchange.respond(200, "{}"); });
        harness_->route("GET", "/throw", [](Exchange&) -> void { throw std::runtime_error("handler failed"); });
    }

    std::unique_ptr<TestPluginContext> tracingContext_;
    std::unique_ptr<TestPluginContext> otelContext_;
    std::unique_ptr<ChainHarness> harness_;
    OtelPlugin* otel_ = nullptr;
};

CPPUNIT_TEST_SUITE_REGISTRATION(OtelPluginTest);
