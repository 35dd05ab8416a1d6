// The otel plugin in the installed porticod over real sockets, exporting to a FakeCollector in
// the test process:
// - a routed, retried, streamed chat completion: the model's first deployment refuses
//   connections, the second is another porticod (with otel too) on its local backend. The
//   exported protobuf, decoded with the classes generated from the official definitions, has
//   the gateway's server span (the answer's X-Trace-Id, the caller's parent), two client spans
//   under it (the refused attempt as an error, then the one that answered), the backend's
//   server span under the second attempt, the HTTP and GenAI attributes, time to first token,
//   and token counts equal to the usage the client got;
// - configured only through the standard OTEL_* variables: http/json, gzip, an auth header,
//   the service name, and the spans still queued flushed when porticod stops (SIGTERM);
// - a collector that refuses connections: every request still succeeds, /metrics counts the
//   dropped spans, and the failure is logged once, not once per batch;
// - a TLS listener beside a plain one: url.scheme says which the request came over.

#include "FakeCollector.h"
#include "HttpClient.h"
#include "PorticodProcess.h"
#include "SelfSignedCertificate.h"
#include "TempDir.h"
#include "TestAsserts.h"
#include "Poco/Net/Context.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/HTTPSClientSession.h"
#include "Poco/Net/NetSSL.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <regex>
#include <thread>

using namespace portico::test;
using portico::otel::test::attributeText;
using portico::otel::test::FakeCollector;
using portico::otel::test::hexOf;
using Span = opentelemetry::proto::trace::v1::Span;
using Status = opentelemetry::proto::trace::v1::Status;

namespace {

const std::string incomingTrace = "0af7651916cd43dd8448eb211c80319c";
const std::string incomingParent = "b7ad6b7169203331";
const std::map<std::string, std::string> jsonHeaders{{"Content-Type", "application/json"}};

/// The usage numbers of an answer (a stream's usage chunk, or a buffered answer's usage).
std::pair<std::string, std::string> usageOf(const std::string& body)
{
    std::smatch match;
    static const std::regex usage(R"re("prompt_tokens":(\d+),"completion_tokens":(\d+))re");
    if (!std::regex_search(body, match, usage))
        return {"<none>", "<none>"};
    return {match[1], match[2]};
}

/// The first span of `spans` whose kind is `kind` and whose parent is `parent`.
const Span* find(const std::vector<Span>& spans, Span::SpanKind kind, const std::string& parent)
{
    for (const Span& span : spans)
        if (span.kind() == kind && hexOf(span.parent_span_id()) == parent)
            return &span;
    return nullptr;
}

std::string describe(const std::vector<Span>& spans)
{
    std::string text;
    for (const Span& span : spans)
        text += span.name() + " kind=" + std::to_string(span.kind()) + " id=" + hexOf(span.span_id()) +
                " parent=" + hexOf(span.parent_span_id()) + " trace=" + hexOf(span.trace_id()) + "\n";
    return text;
}

/// The value of one series in a /metrics text, or -1.
double metricValue(const std::string& exposition, const std::string& series)
{
    const auto at = exposition.find("\n" + series + " ");
    if (at == std::string::npos)
        return -1;
    return std::stod(exposition.substr(at + series.size() + 2));
}

} // namespace

class OtelIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(OtelIntegrationTest);
    CPPUNIT_TEST(testRoutedRetriedStream);
    CPPUNIT_TEST(testJsonGzipFromTheEnvironmentFlushedOnStop);
    CPPUNIT_TEST(testRefusingCollector);
    CPPUNIT_TEST(testUrlSchemeFollowsTheListener);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRoutedRetriedStream()
    {
        FakeCollector collector;
        PorticodProcess backend("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, otel, openai\n"
                                "[otel]\nendpoint = " + collector.url() + "\nservice_name = backend\n"
                                "schedule_delay_ms = 100\n[openai]\nlocal.token_delay_ms = 0\n");
        const unsigned short refused = freePort();
        PorticodProcess gateway(
            "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, otel, metrics, openai\n"
            "[otel]\nendpoint = " + collector.url() + "\nservice_name = gateway\nschedule_delay_ms = 100\n"
            "[openai]\n"
            "upstreams.dead.url = http://127.0.0.1:" + std::to_string(refused) + "/v1\n"
            "upstreams.live.url = http://127.0.0.1:" + std::to_string(backend.port()) + "/v1\n"
            // least_busy with nothing in flight takes the first listed: the refused one first.
            "models.m.deployments = dead:portico-echo, live:portico-echo\n"
            "models.m.strategy = least_busy\n"
            "models.m.max_attempts = 2\n");

        auto headers = jsonHeaders;
        headers["traceparent"] = "00-" + incomingTrace + "-" + incomingParent + "-01";
        headers["User-Agent"] = "otel-integration/1";
        const HttpResult answer = httpRequest(
            gateway.port(), "POST", "/v1/chat/completions",
            R"({"model":"m","stream":true,"stream_options":{"include_usage":true},"max_tokens":64,)"
            R"("messages":[{"role":"user","content":"tell me a secret story"}]})",
            headers, 20);
        const std::string what = "answer " + std::to_string(answer.status) + ": " + answer.body + "\ngateway:\n" +
                                 gateway.output() + "\nbackend:\n" + backend.output();
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what, 200, answer.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what, std::string("2"), answer.header("X-Portico-Attempts"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what, incomingTrace, answer.header("X-Trace-Id"));
        PORTICO_ASSERT_CONTAINS(answer.body, "[DONE]");
        const auto [input, output] = usageOf(answer.body);
        CPPUNIT_ASSERT_MESSAGE(what, input != "<none>");

        // The gateway's server span and two attempts; the backend's server span.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while ((collector.spansOf("gateway").size() < 3 || collector.spansOf("backend").empty()) &&
               std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const auto spans = collector.spansOf("gateway");
        const auto backendSpans = collector.spansOf("backend");
        const std::string seen = describe(spans) + "backend:\n" + describe(backendSpans) + what;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(seen, std::size_t(3), spans.size());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(seen, std::size_t(1), backendSpans.size());
        for (const auto& received : collector.received())
        {
            CPPUNIT_ASSERT_EQUAL(std::string("/v1/traces"), received.path);
            CPPUNIT_ASSERT_EQUAL(std::string("POST"), received.method);
            PORTICO_ASSERT_NOT_CONTAINS(received.body, "secret story"); // no prompt in spans
        }

        const Span* server = find(spans, Span::SPAN_KIND_SERVER, incomingParent);
        CPPUNIT_ASSERT_MESSAGE(seen, server);
        const std::string serverId = hexOf(server->span_id());
        CPPUNIT_ASSERT_EQUAL(incomingTrace, hexOf(server->trace_id()));
        CPPUNIT_ASSERT_EQUAL(std::string("POST /v1/chat/completions"), server->name());
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), attributeText(*server, "http.route"));
        CPPUNIT_ASSERT_EQUAL(std::string("200"), attributeText(*server, "http.response.status_code"));
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), attributeText(*server, "server.address"));
        CPPUNIT_ASSERT_EQUAL(std::to_string(gateway.port()), attributeText(*server, "server.port"));
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), attributeText(*server, "client.address"));
        CPPUNIT_ASSERT_EQUAL(std::string("otel-integration/1"), attributeText(*server, "user_agent.original"));
        CPPUNIT_ASSERT_EQUAL(std::string("chat"), attributeText(*server, "gen_ai.operation.name"));
        CPPUNIT_ASSERT_EQUAL(std::string("m"), attributeText(*server, "gen_ai.request.model"));
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), attributeText(*server, "gen_ai.response.model"));
        CPPUNIT_ASSERT_EQUAL(std::string("64"), attributeText(*server, "gen_ai.request.max_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("stop"), attributeText(*server, "gen_ai.response.finish_reasons"));
        CPPUNIT_ASSERT_EQUAL(input, attributeText(*server, "gen_ai.usage.input_tokens"));
        CPPUNIT_ASSERT_EQUAL(output, attributeText(*server, "gen_ai.usage.output_tokens"));
        CPPUNIT_ASSERT(server->status().code() == Status::STATUS_CODE_UNSET);
        CPPUNIT_ASSERT_EQUAL(1, server->events_size());
        CPPUNIT_ASSERT_EQUAL(std::string("gen_ai.first_token"), server->events(0).name());
        CPPUNIT_ASSERT(server->events(0).time_unix_nano() > server->start_time_unix_nano());

        // The attempts: siblings under the server span, the refused one first.
        std::vector<const Span*> attempts;
        for (const Span& span : spans)
            if (span.kind() == Span::SPAN_KIND_CLIENT)
                attempts.push_back(&span);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(seen, std::size_t(2), attempts.size());
        if (attempts[0]->start_time_unix_nano() > attempts[1]->start_time_unix_nano())
            std::swap(attempts[0], attempts[1]);
        const Span& dead = *attempts[0];
        const Span& live = *attempts[1];
        for (const Span* attempt : attempts)
        {
            CPPUNIT_ASSERT_EQUAL(incomingTrace, hexOf(attempt->trace_id()));
            CPPUNIT_ASSERT_EQUAL(serverId, hexOf(attempt->parent_span_id()));
            CPPUNIT_ASSERT_EQUAL(std::string("chat m"), attempt->name());
            CPPUNIT_ASSERT(attempt->start_time_unix_nano() >= server->start_time_unix_nano());
            CPPUNIT_ASSERT(attempt->end_time_unix_nano() <= server->end_time_unix_nano());
        }
        CPPUNIT_ASSERT(hexOf(dead.span_id()) != hexOf(live.span_id()));
        CPPUNIT_ASSERT(dead.end_time_unix_nano() <= live.start_time_unix_nano());
        CPPUNIT_ASSERT(dead.status().code() == Status::STATUS_CODE_ERROR);
        CPPUNIT_ASSERT_EQUAL(std::string("connect_error"), attributeText(dead, "error.type"));
        CPPUNIT_ASSERT_EQUAL(std::to_string(refused), attributeText(dead, "server.port"));
        CPPUNIT_ASSERT_EQUAL(std::string("dead"), attributeText(dead, "portico.upstream"));
        CPPUNIT_ASSERT(live.status().code() == Status::STATUS_CODE_UNSET);
        CPPUNIT_ASSERT_EQUAL(std::string("200"), attributeText(live, "http.response.status_code"));
        CPPUNIT_ASSERT_EQUAL(std::to_string(backend.port()), attributeText(live, "server.port"));
        CPPUNIT_ASSERT_EQUAL(input, attributeText(live, "gen_ai.usage.input_tokens"));
        CPPUNIT_ASSERT_EQUAL(output, attributeText(live, "gen_ai.usage.output_tokens"));

        // The backend joined the trace under the attempt that reached it.
        const Span& upstream = backendSpans[0];
        CPPUNIT_ASSERT_EQUAL(incomingTrace, hexOf(upstream.trace_id()));
        CPPUNIT_ASSERT_EQUAL(hexOf(live.span_id()), hexOf(upstream.parent_span_id()));
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(0x301), std::uint32_t(upstream.flags())); // a remote parent
        CPPUNIT_ASSERT_EQUAL(input, attributeText(upstream, "gen_ai.usage.input_tokens"));
        CPPUNIT_ASSERT_EQUAL(output, attributeText(upstream, "gen_ai.usage.output_tokens"));

        const HttpResult metrics = httpRequest(gateway.port(), "GET", "/metrics");
        CPPUNIT_ASSERT(metricValue(metrics.body, "portico_otel_spans_exported_total") >= 3);
        CPPUNIT_ASSERT_EQUAL(0.0, metricValue(metrics.body, "portico_otel_spans_dropped_total{reason=\"export_failed\"}"));
    }

    void testJsonGzipFromTheEnvironmentFlushedOnStop()
    {
        FakeCollector collector;
        PorticodProcess::Options options;
        options.config = "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, otel, openai\n"
                         "[otel]\n[openai]\nlocal.token_delay_ms = 0\n";
        options.env = {{"OTEL_EXPORTER_OTLP_ENDPOINT", collector.url()},
                       {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
                       {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
                       {"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20collector-key"},
                       {"OTEL_SERVICE_NAME", "json-gateway"},
                       // Nothing would go before a minute: what arrives was flushed by the stop.
                       {"OTEL_BSP_SCHEDULE_DELAY", "60000"}};
        PorticodProcess gateway(options);
        const HttpResult answer =
            httpRequest(gateway.port(), "POST", "/v1/chat/completions",
                        R"({"model":"portico-echo","messages":[{"role":"user","content":"hello json"}]})", jsonHeaders);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(answer.body, 200, answer.status);
        const auto [input, output] = usageOf(answer.body);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), collector.received().size());
        gateway.signal(SIGTERM);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(gateway.output(), 0, gateway.waitForExit(20));
        CPPUNIT_ASSERT_MESSAGE(gateway.output(), collector.waitForRequests(1, 5));

        const auto received = collector.received().at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/traces"), received.path);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), received.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("gzip"), received.contentEncoding);
        CPPUNIT_ASSERT_EQUAL(std::string("Bearer collector-key"), received.headers.at("authorization"));
        Poco::JSON::Parser parser;
        const auto root = parser.parse(received.body).extract<Poco::JSON::Object::Ptr>();
        const auto resourceSpans = root->getArray("resourceSpans")->getObject(0);
        const auto service = resourceSpans->getObject("resource")->getArray("attributes")->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("service.name"), service->getValue<std::string>("key"));
        CPPUNIT_ASSERT_EQUAL(std::string("json-gateway"), service->getObject("value")->getValue<std::string>("stringValue"));
        const auto spans = resourceSpans->getArray("scopeSpans")->getObject(0)->getArray("spans");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), spans->size()); // the local model: no upstream attempt
        const auto span = spans->getObject(0);
        CPPUNIT_ASSERT_EQUAL(answer.header("X-Trace-Id"), span->getValue<std::string>("traceId"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(16), span->getValue<std::string>("spanId").size());
        CPPUNIT_ASSERT(!span->has("parentSpanId"));
        CPPUNIT_ASSERT_EQUAL(2, span->getValue<int>("kind"));
        CPPUNIT_ASSERT(span->get("startTimeUnixNano").isString());
        std::map<std::string, Poco::JSON::Object::Ptr> attributes;
        const auto list = span->getArray("attributes");
        for (std::size_t i = 0; i < list->size(); ++i)
            attributes[list->getObject(i)->getValue<std::string>("key")] = list->getObject(i)->getObject("value");
        CPPUNIT_ASSERT_EQUAL(input, attributes.at("gen_ai.usage.input_tokens")->getValue<std::string>("intValue"));
        CPPUNIT_ASSERT_EQUAL(output, attributes.at("gen_ai.usage.output_tokens")->getValue<std::string>("intValue"));
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"),
                             attributes.at("gen_ai.request.model")->getValue<std::string>("stringValue"));
    }

    void testRefusingCollector()
    {
        const unsigned short refused = freePort();
        PorticodProcess gateway("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, otel, metrics, openai\n"
                                "[otel]\nendpoint = http://127.0.0.1:" + std::to_string(refused) +
                                "\nschedule_delay_ms = 50\nmax_export_batch_size = 4\n"
                                "[openai]\nlocal.token_delay_ms = 0\n");
        constexpr int requests = 20;
        for (int i = 0; i < requests; ++i)
        {
            const HttpResult answer = httpRequest(
                gateway.port(), "POST", "/v1/chat/completions",
                R"({"model":"portico-echo","messages":[{"role":"user","content":"still served"}]})", jsonHeaders);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(answer.body, 200, answer.status);
        }
        // Every span of the 20 chat requests is dropped and counted (/metrics itself is not traced).
        double dropped = 0;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        std::string exposition;
        while (std::chrono::steady_clock::now() < deadline)
        {
            exposition = httpRequest(gateway.port(), "GET", "/metrics").body;
            dropped = metricValue(exposition, "portico_otel_spans_dropped_total{reason=\"export_failed\"}");
            if (dropped >= requests && metricValue(exposition, "portico_otel_queue_spans") == 0)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(exposition, double(requests), dropped);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(exposition, 0.0, metricValue(exposition, "portico_otel_spans_exported_total"));
        CPPUNIT_ASSERT_MESSAGE(exposition, metricValue(exposition, "portico_otel_exports_total{result=\"failed\"}") >= 5);
        // Several failed exports, one warning (at most one every 10 s).
        const std::string log = gateway.output();
        std::size_t warnings = 0;
        for (std::size_t at = log.find("otel: export to"); at != std::string::npos; at = log.find("otel: export to", at + 1))
            ++warnings;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(log, std::size_t(1), warnings);
    }

    void testUrlSchemeFollowsTheListener()
    {
        TempDir dir;
        writeSelfSignedCertificate(dir.file("cert.pem"), dir.file("key.pem"), "127.0.0.1", "IP:127.0.0.1");
        FakeCollector collector;
        const unsigned short plainPort = freePort();
        PorticodProcess::Options options;
        options.config = "[server]\nlisten = 127.0.0.1:{port}\nplain_listen = 127.0.0.1:" + std::to_string(plainPort) +
                         "\ntls.certificate = " + dir.file("cert.pem") + "\ntls.private_key = " + dir.file("key.pem") +
                         "\n[plugins]\norder = tracing, otel, openai\n[otel]\nendpoint = " + collector.url() +
                         "\nschedule_delay_ms = 100\n";
        options.waitUntilHealthy = false;
        PorticodProcess gateway(options);
        CPPUNIT_ASSERT_MESSAGE(gateway.output(), gateway.waitForOutput("serving https://127.0.0.1:", 15));

        Poco::Net::initializeSSL();
        Poco::Net::Context::Params params;
        params.caLocation = dir.file("cert.pem");
        params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
        Poco::Net::HTTPSClientSession session("127.0.0.1", gateway.port(),
                                              new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params));
        Poco::Net::HTTPRequest request("GET", "/v1/models", Poco::Net::HTTPMessage::HTTP_1_1);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        session.receiveResponse(response).ignore(1 << 20);
        CPPUNIT_ASSERT_EQUAL(200, static_cast<int>(response.getStatus()));
        // The plain listener twice: a kept set of repeated attributes must not carry the scheme over.
        for (int i = 0; i < 2; ++i)
            CPPUNIT_ASSERT_EQUAL(200, httpRequest(plainPort, "GET", "/v1/models").status);

        CPPUNIT_ASSERT_MESSAGE(gateway.output(), collector.waitForSpans(3, 10));
        std::map<std::string, int> schemeByPort;
        for (const Span& span : collector.spans())
            schemeByPort[attributeText(span, "server.port") + " " + attributeText(span, "url.scheme")] += 1;
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), schemeByPort.size());
        CPPUNIT_ASSERT_EQUAL(1, schemeByPort[std::to_string(gateway.port()) + " https"]);
        CPPUNIT_ASSERT_EQUAL(2, schemeByPort[std::to_string(plainPort) + " http"]);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OtelIntegrationTest);
