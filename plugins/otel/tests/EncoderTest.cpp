// The OTLP encoders: the protobuf writer's output decoded with the classes protoc generated from
// the official opentelemetry-proto definitions (every field this plugin writes, ids as bytes,
// enums, 64-bit times, attribute kinds, events, status, flags), and the OTLP/JSON output parsed
// back (hex ids, enums as numbers, 64-bit integers as strings).

#include "JsonSpanEncoder.h"
#include "FakeCollector.h"
#include "OtlpBatch.h"
#include "ProtobufSpanEncoder.h"
#include "SpanQueue.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::otel;
using portico::otel::test::hexOf;
namespace otlp = opentelemetry::proto;

namespace {

ExportResource resource()
{
    ExportResource r;
    r.attributes.emplace_back("service.name", "gateway");
    r.scopeName = "portico.otel";
    r.scopeVersion = "1.2.3";
    return r;
}

/// A server span with every kind of attribute, an event and an error status, and a client
/// span under it with no status; encoded by `encoder`, `finish` called after each.
template <typename Finish>
void writeSpans(SpanEncoder& encoder, Finish finish)
{
    SpanHead server;
    server.traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    server.spanId = "00f067aa0ba902b7";
    server.parentSpanId = "b7ad6b7169203331";
    server.remoteParent = true;
    server.name = "POST /v1/chat/completions";
    server.kind = SpanKind::Server;
    server.startNs = 1700000000123456789ULL;
    server.endNs = 1700000000223456789ULL;
    encoder.begin(server);
    encoder.text("http.request.method", "POST");
    encoder.number("http.response.status_code", 502);
    encoder.number("negative", -5);
    encoder.decimal("gen_ai.server.time_to_first_token", 0.125);
    encoder.flag("portico.client_gone", true);
    encoder.text("empty", "");
    encoder.texts("gen_ai.response.finish_reasons", "stop\nlength\n");
    encoder.text("user_agent.original", "caf\xc3\xa9 \"quoted\"\n");
    encoder.event("gen_ai.first_token", 1700000000150000000ULL);
    encoder.status(StatusCode::Error, "broke \"mid\"-stream");
    finish();

    SpanHead client;
    client.traceId = server.traceId;
    client.spanId = "1111111111111111";
    client.parentSpanId = server.spanId;
    client.name = "chat m";
    client.kind = SpanKind::Client;
    client.startNs = 1700000000130000000ULL;
    client.endNs = 1700000000140000000ULL;
    encoder.begin(client);
    finish();
}

/// The two spans, each by SpanEncoder::finish.
std::vector<std::string> spans(SpanEncoder& encoder)
{
    std::vector<std::string> result;
    writeSpans(encoder, [&] { result.push_back(encoder.finish()); });
    return result;
}

/// The two spans framed for a batch (SpanEncoder::finishInto) and appended to `framed`.
void framedSpans(SpanEncoder& encoder, std::string& framed)
{
    writeSpans(encoder, [&] { encoder.finishInto(framed); });
}

} // namespace

class EncoderTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(EncoderTest);
    CPPUNIT_TEST(testProtobufDecodesWithTheOfficialDefinitions);
    CPPUNIT_TEST(testEmptyBatch);
    CPPUNIT_TEST(testJson);
    CPPUNIT_TEST(testFramedSpansThroughTheQueue);
    CPPUNIT_TEST(testFramedInPlaceForEverySpanSize);
    CPPUNIT_TEST_SUITE_END();

public:
    void testProtobufDecodesWithTheOfficialDefinitions()
    {
        ProtobufSpanEncoder encoder;
        const std::string wire = OtlpBatch(resource(), OtlpBatch::Format::Protobuf).encode(spans(encoder));
        otlp::collector::trace::v1::ExportTraceServiceRequest request;
        CPPUNIT_ASSERT(request.ParseFromString(wire));
        // Written again by protobuf itself, it is byte for byte what the plugin wrote: same
        // fields, numbers, wire types and order, nothing the official definitions do not know.
        CPPUNIT_ASSERT(request.SerializeAsString() == wire);
        CPPUNIT_ASSERT_EQUAL(1, request.resource_spans_size());
        const auto& rs = request.resource_spans(0);
        CPPUNIT_ASSERT_EQUAL(1, rs.resource().attributes_size());
        CPPUNIT_ASSERT_EQUAL(std::string("service.name"), rs.resource().attributes(0).key());
        CPPUNIT_ASSERT_EQUAL(std::string("gateway"), rs.resource().attributes(0).value().string_value());
        CPPUNIT_ASSERT_EQUAL(1, rs.scope_spans_size());
        const auto& ss = rs.scope_spans(0);
        CPPUNIT_ASSERT_EQUAL(std::string("portico.otel"), ss.scope().name());
        CPPUNIT_ASSERT_EQUAL(std::string("1.2.3"), ss.scope().version());
        CPPUNIT_ASSERT_EQUAL(2, ss.spans_size());

        const auto& server = ss.spans(0);
        CPPUNIT_ASSERT_EQUAL(std::string("4bf92f3577b34da6a3ce929d0e0e4736"), hexOf(server.trace_id()));
        CPPUNIT_ASSERT_EQUAL(std::string("00f067aa0ba902b7"), hexOf(server.span_id()));
        CPPUNIT_ASSERT_EQUAL(std::string("b7ad6b7169203331"), hexOf(server.parent_span_id()));
        CPPUNIT_ASSERT_EQUAL(std::string("POST /v1/chat/completions"), server.name());
        CPPUNIT_ASSERT(server.kind() == otlp::trace::v1::Span::SPAN_KIND_SERVER);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1700000000123456789ULL), std::uint64_t(server.start_time_unix_nano()));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1700000000223456789ULL), std::uint64_t(server.end_time_unix_nano()));
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(0x301), std::uint32_t(server.flags())); // sampled, has is_remote, is_remote
        CPPUNIT_ASSERT_EQUAL(8, server.attributes_size());
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), server.attributes(0).value().string_value());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(502), std::int64_t(server.attributes(1).value().int_value()));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(-5), std::int64_t(server.attributes(2).value().int_value()));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.125, server.attributes(3).value().double_value(), 0);
        CPPUNIT_ASSERT(server.attributes(4).value().has_bool_value() && server.attributes(4).value().bool_value());
        CPPUNIT_ASSERT(server.attributes(5).value().has_string_value()); // an empty string is still a value
        const auto& reasons = server.attributes(6).value().array_value();
        CPPUNIT_ASSERT_EQUAL(2, reasons.values_size());
        CPPUNIT_ASSERT_EQUAL(std::string("length"), reasons.values(1).string_value());
        CPPUNIT_ASSERT_EQUAL(std::string("caf\xc3\xa9 \"quoted\"\n"), server.attributes(7).value().string_value());
        CPPUNIT_ASSERT_EQUAL(1, server.events_size());
        CPPUNIT_ASSERT_EQUAL(std::string("gen_ai.first_token"), server.events(0).name());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1700000000150000000ULL), std::uint64_t(server.events(0).time_unix_nano()));
        CPPUNIT_ASSERT(server.status().code() == otlp::trace::v1::Status::STATUS_CODE_ERROR);
        CPPUNIT_ASSERT_EQUAL(std::string("broke \"mid\"-stream"), server.status().message());

        const auto& client = ss.spans(1);
        CPPUNIT_ASSERT(client.kind() == otlp::trace::v1::Span::SPAN_KIND_CLIENT);
        CPPUNIT_ASSERT_EQUAL(std::string("00f067aa0ba902b7"), hexOf(client.parent_span_id()));
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(0x101), std::uint32_t(client.flags())); // parent not remote
        CPPUNIT_ASSERT(!client.has_status() || client.status().code() == otlp::trace::v1::Status::STATUS_CODE_UNSET);
    }

    void testEmptyBatch()
    {
        otlp::collector::trace::v1::ExportTraceServiceRequest request;
        CPPUNIT_ASSERT(request.ParseFromString(OtlpBatch(resource(), OtlpBatch::Format::Protobuf).encode({})));
        CPPUNIT_ASSERT_EQUAL(std::string("gateway"),
                             request.resource_spans(0).resource().attributes(0).value().string_value());
        CPPUNIT_ASSERT_EQUAL(0, request.resource_spans(0).scope_spans(0).spans_size());
    }

    void testJson()
    {
        JsonSpanEncoder encoder;
        const std::string text = OtlpBatch(resource(), OtlpBatch::Format::Json).encode(spans(encoder));
        Poco::JSON::Parser parser;
        const auto root = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
        const auto rs = root->getArray("resourceSpans")->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("service.name"),
                             rs->getObject("resource")->getArray("attributes")->getObject(0)->getValue<std::string>("key"));
        const auto ss = rs->getArray("scopeSpans")->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("portico.otel"), ss->getObject("scope")->getValue<std::string>("name"));
        const auto server = ss->getArray("spans")->getObject(0);
        // OTLP/JSON: ids as hex (not base64), enums as numbers, 64-bit integers as strings.
        CPPUNIT_ASSERT_EQUAL(std::string("4bf92f3577b34da6a3ce929d0e0e4736"), server->getValue<std::string>("traceId"));
        CPPUNIT_ASSERT_EQUAL(std::string("00f067aa0ba902b7"), server->getValue<std::string>("spanId"));
        CPPUNIT_ASSERT_EQUAL(std::string("b7ad6b7169203331"), server->getValue<std::string>("parentSpanId"));
        CPPUNIT_ASSERT_EQUAL(2, server->getValue<int>("kind"));
        CPPUNIT_ASSERT(server->get("startTimeUnixNano").isString());
        CPPUNIT_ASSERT_EQUAL(std::string("1700000000123456789"), server->getValue<std::string>("startTimeUnixNano"));
        CPPUNIT_ASSERT_EQUAL(std::string("1700000000223456789"), server->getValue<std::string>("endTimeUnixNano"));
        CPPUNIT_ASSERT_EQUAL(0x301, server->getValue<int>("flags"));
        const auto attributes = server->getArray("attributes");
        const auto status = attributes->getObject(1)->getObject("value");
        CPPUNIT_ASSERT(status->get("intValue").isString());
        CPPUNIT_ASSERT_EQUAL(std::string("502"), status->getValue<std::string>("intValue"));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.125, attributes->getObject(3)->getObject("value")->getValue<double>("doubleValue"), 0);
        CPPUNIT_ASSERT(attributes->getObject(4)->getObject("value")->getValue<bool>("boolValue"));
        CPPUNIT_ASSERT_EQUAL(std::string("length"), attributes->getObject(6)
                                                        ->getObject("value")
                                                        ->getObject("arrayValue")
                                                        ->getArray("values")
                                                        ->getObject(1)
                                                        ->getValue<std::string>("stringValue"));
        CPPUNIT_ASSERT_EQUAL(std::string("caf\xc3\xa9 \"quoted\"\n"),
                             attributes->getObject(7)->getObject("value")->getValue<std::string>("stringValue"));
        CPPUNIT_ASSERT_EQUAL(2, server->getObject("status")->getValue<int>("code"));
        CPPUNIT_ASSERT_EQUAL(std::string("broke \"mid\"-stream"), server->getObject("status")->getValue<std::string>("message"));
        CPPUNIT_ASSERT_EQUAL(std::string("gen_ai.first_token"),
                             server->getArray("events")->getObject(0)->getValue<std::string>("name"));
        const auto client = ss->getArray("spans")->getObject(1);
        CPPUNIT_ASSERT_EQUAL(3, client->getValue<int>("kind"));
        CPPUNIT_ASSERT(!client->has("status")); // unset: left out, as protobuf's JSON mapping does
        CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(client->getArray("attributes")->size()));
    }

    /// The plugin's path: spans framed by finishInto with one reused encoder, through the
    /// queue, wrapped by the batch. The body is byte for byte the one built from finish()'s
    /// spans (which the tests above decode), in both formats, and protobuf parses it with two
    /// requests' spans in it.
    void testFramedSpansThroughTheQueue()
    {
        ProtobufSpanEncoder protobuf;
        JsonSpanEncoder json;
        for (SpanEncoder* encoder : {static_cast<SpanEncoder*>(&protobuf), static_cast<SpanEncoder*>(&json)})
        {
            const auto format = encoder == &protobuf ? OtlpBatch::Format::Protobuf : OtlpBatch::Format::Json;
            const OtlpBatch batch(resource(), format);
            SpanQueue queue(8, 8);
            for (int request = 0; request < 2; ++request)
            {
                std::string framed;
                framedSpans(*encoder, framed);
                CPPUNIT_ASSERT(queue.push(framed, 2));
            }
            SpanBatch taken;
            queue.take(std::chrono::milliseconds(0), taken);
            CPPUNIT_ASSERT_EQUAL(std::size_t(4), taken.count);
            const OtlpBatch::Body body = batch.wrap(taken.framed);
            const std::string sent = body.head + std::string(body.spans) + std::string(body.tail);
            std::vector<std::string> expected = spans(*encoder);
            const std::vector<std::string> again = spans(*encoder);
            expected.insert(expected.end(), again.begin(), again.end());
            CPPUNIT_ASSERT(sent == batch.encode(expected));
            CPPUNIT_ASSERT_EQUAL(sent.size(), body.size());
        }
        ProtobufSpanEncoder reused;
        std::string framed;
        framedSpans(reused, framed);
        framedSpans(reused, framed);
        const OtlpBatch::Body body = OtlpBatch(resource(), OtlpBatch::Format::Protobuf).wrap(framed);
        otlp::collector::trace::v1::ExportTraceServiceRequest request;
        CPPUNIT_ASSERT(request.ParseFromString(body.head + std::string(body.spans) + std::string(body.tail)));
        CPPUNIT_ASSERT_EQUAL(4, request.resource_spans(0).scope_spans(0).spans_size());
        CPPUNIT_ASSERT_EQUAL(std::string("chat m"), request.resource_spans(0).scope_spans(0).spans(3).name());
    }

    /// finishFramed() writes the framing into the room it left before the span: right for a
    /// span whose length takes one, two or three varint bytes, on a fresh encoder and on one
    /// that has grown, in both formats.
    void testFramedInPlaceForEverySpanSize()
    {
        for (const std::size_t size : {std::size_t(10), std::size_t(1000), std::size_t(300000), std::size_t(10)})
        {
            const std::string agent(size, 'a');
            ProtobufSpanEncoder fresh;
            for (SpanEncoder* encoder : {static_cast<SpanEncoder*>(&fresh), static_cast<SpanEncoder*>(&grownProtobuf_),
                                         static_cast<SpanEncoder*>(&grownJson_)})
            {
                SpanHead head;
                head.traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
                head.spanId = "00f067aa0ba902b7";
                head.name = "GET /";
                encoder->begin(head);
                encoder->text("user_agent.original", agent);
                const std::string framed(encoder->finishFramed());
                encoder->begin(head);
                encoder->text("user_agent.original", agent);
                std::string expected;
                if (encoder == &grownJson_)
                    JsonSpanEncoder::frame(expected, encoder->finish());
                else
                    ProtobufSpanEncoder::frame(expected, encoder->finish());
                CPPUNIT_ASSERT_MESSAGE(std::to_string(size), framed == expected);
                if (encoder == &grownJson_)
                    continue;
                otlp::trace::v1::ScopeSpans scope; // the framing is ScopeSpans.spans
                CPPUNIT_ASSERT(scope.ParseFromString(framed));
                CPPUNIT_ASSERT_EQUAL(1, scope.spans_size());
                CPPUNIT_ASSERT_EQUAL(size, scope.spans(0).attributes(0).value().string_value().size());
            }
        }
    }

private:
    ProtobufSpanEncoder grownProtobuf_;
    JsonSpanEncoder grownJson_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(EncoderTest);
