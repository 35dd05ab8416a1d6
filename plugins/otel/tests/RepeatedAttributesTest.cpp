// RepeatedAttributes: a span whose repeated attributes come from the kept bytes is the span
// written attribute by attribute (protobuf decoded with the official classes; OTLP/JSON parsed
// back), new inputs are never answered with another client's bytes, a set pushed out by newer
// ones is written afresh, and JSON's separators are right wherever the replayed run lands.

#include "JsonSpanEncoder.h"
#include "ProtobufSpanEncoder.h"
#include "RepeatedAttributes.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <map>

using namespace portico::otel;
namespace otlp = opentelemetry::proto;

namespace {

RepeatedInputs chatFrom(std::string_view userAgent, std::string_view clientHost = "10.0.0.7")
{
    RepeatedInputs inputs;
    inputs.method = "POST";
    inputs.path = "/v1/chat/completions";
    inputs.route = "/v1/chat/completions";
    inputs.status = 200;
    inputs.host = "gateway.example:8443";
    inputs.userAgent = userAgent;
    inputs.clientHost = clientHost;
    inputs.operation = "chat";
    inputs.provider = "openai";
    inputs.model = "gpt-4o";
    inputs.maxTokens = 256;
    inputs.responseModel = "gpt-4o-2024-08-06";
    inputs.finishReasons = "stop\nlength\n";
    return inputs;
}

SpanHead head()
{
    SpanHead h;
    h.traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    h.spanId = "00f067aa0ba902b7";
    h.name = "POST /v1/chat/completions";
    h.startNs = 1;
    h.endNs = 2;
    return h;
}

/// One span: an attribute of its own, the repeated ones (through `repeated`, or encoded
/// directly when null), another of its own.
std::string span(SpanEncoder& encoder, RepeatedAttributes* repeated, const RepeatedInputs& inputs)
{
    encoder.begin(head());
    encoder.number("gen_ai.usage.input_tokens", 12);
    if (repeated)
        repeated->write(encoder, inputs);
    else
        RepeatedAttributes::encode(encoder, inputs);
    encoder.number("client.port", 50123);
    return encoder.finish();
}

/// The attributes of a protobuf span, key to value as text (ints in decimal).
std::map<std::string, std::string> decoded(const std::string& bytes)
{
    otlp::trace::v1::Span span;
    CPPUNIT_ASSERT(span.ParseFromString(bytes));
    std::map<std::string, std::string> attributes;
    for (const auto& kv : span.attributes())
    {
        CPPUNIT_ASSERT_MESSAGE("attribute twice: " + kv.key(), attributes.count(kv.key()) == 0);
        std::string& value = attributes[kv.key()];
        if (kv.value().has_int_value())
            value = std::to_string(kv.value().int_value());
        else if (kv.value().has_array_value())
            for (const auto& item : kv.value().array_value().values())
                value += (value.empty() ? "" : ",") + item.string_value();
        else
            value = kv.value().string_value();
    }
    return attributes;
}

} // namespace

class RepeatedAttributesTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RepeatedAttributesTest);
    CPPUNIT_TEST(testKeptBytesAreTheSpanWrittenInFull);
    CPPUNIT_TEST(testOtherInputsAreNotAnsweredFromTheKeptSet);
    CPPUNIT_TEST(testASetPushedOutIsWrittenAfresh);
    CPPUNIT_TEST(testJsonSeparators);
    CPPUNIT_TEST_SUITE_END();

public:
    void testKeptBytesAreTheSpanWrittenInFull()
    {
        ProtobufSpanEncoder encoder;
        RepeatedAttributes repeated;
        const RepeatedInputs inputs = chatFrom("OpenAI/Python 1.54.0");
        const std::string direct = span(encoder, nullptr, inputs);
        const std::string first = span(encoder, &repeated, inputs);  // encoded and kept
        const std::string second = span(encoder, &repeated, inputs); // from the kept bytes
        CPPUNIT_ASSERT(direct == first);
        CPPUNIT_ASSERT(direct == second);

        const auto attributes = decoded(second);
        CPPUNIT_ASSERT_EQUAL(std::size_t(18), attributes.size());
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), attributes.at("http.request.method"));
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), attributes.at("url.path"));
        CPPUNIT_ASSERT_EQUAL(std::string("http"), attributes.at("url.scheme"));
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), attributes.at("http.route"));
        CPPUNIT_ASSERT_EQUAL(std::string("200"), attributes.at("http.response.status_code"));
        CPPUNIT_ASSERT_EQUAL(std::string("gateway.example"), attributes.at("server.address"));
        CPPUNIT_ASSERT_EQUAL(std::string("8443"), attributes.at("server.port"));
        CPPUNIT_ASSERT_EQUAL(std::string("OpenAI/Python 1.54.0"), attributes.at("user_agent.original"));
        CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.7"), attributes.at("client.address"));
        CPPUNIT_ASSERT_EQUAL(std::string("chat"), attributes.at("gen_ai.operation.name"));
        CPPUNIT_ASSERT_EQUAL(std::string("openai"), attributes.at("gen_ai.provider.name"));
        CPPUNIT_ASSERT_EQUAL(std::string("openai"), attributes.at("gen_ai.system"));
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o"), attributes.at("gen_ai.request.model"));
        CPPUNIT_ASSERT_EQUAL(std::string("256"), attributes.at("gen_ai.request.max_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o-2024-08-06"), attributes.at("gen_ai.response.model"));
        CPPUNIT_ASSERT_EQUAL(std::string("stop,length"), attributes.at("gen_ai.response.finish_reasons"));
        CPPUNIT_ASSERT_EQUAL(std::string("12"), attributes.at("gen_ai.usage.input_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("50123"), attributes.at("client.port"));

        // Not a GenAI route, no User-Agent: those attributes are absent, kept or not.
        RepeatedInputs models = chatFrom("");
        models.method = "GET";
        models.path = "/v1/models";
        models.route = "/v1/models";
        models.operation = nullptr;
        span(encoder, &repeated, models);
        const auto plain = decoded(span(encoder, &repeated, models));
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), plain.size());
        CPPUNIT_ASSERT(plain.count("user_agent.original") == 0 && plain.count("gen_ai.request.model") == 0);
        CPPUNIT_ASSERT_EQUAL(std::string("GET"), plain.at("http.request.method"));

        // An empty response model is said (the handler said it); an absent one is not.
        RepeatedInputs quiet = chatFrom("agent");
        quiet.responseModel = std::string_view();
        CPPUNIT_ASSERT_EQUAL(std::string(), decoded(span(encoder, &repeated, quiet)).at("gen_ai.response.model"));
        quiet.responseModel.reset();
        CPPUNIT_ASSERT(decoded(span(encoder, &repeated, quiet)).count("gen_ai.response.model") == 0);
        quiet.responseModel = std::string_view();
        CPPUNIT_ASSERT(decoded(span(encoder, &repeated, quiet)).count("gen_ai.response.model") == 1);
    }

    void testOtherInputsAreNotAnsweredFromTheKeptSet()
    {
        ProtobufSpanEncoder encoder;
        RepeatedAttributes repeated;
        span(encoder, &repeated, chatFrom("agent-a"));
        // Each input on its own differs from the kept set's: each span says its own.
        using Change = void (*)(RepeatedInputs&);
        const auto spanWith = [&](Change change) {
            RepeatedInputs inputs = chatFrom("agent-a");
            change(inputs);
            return decoded(span(encoder, &repeated, inputs));
        };
        CPPUNIT_ASSERT_EQUAL(std::string("agent-b"),
                             spanWith([](RepeatedInputs& in) { in.userAgent = "agent-b"; }).at("user_agent.original"));
        CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.8"),
                             spanWith([](RepeatedInputs& in) { in.clientHost = "10.0.0.8"; }).at("client.address"));
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o-mini"),
                             spanWith([](RepeatedInputs& in) { in.model = "gpt-4o-mini"; }).at("gen_ai.request.model"));
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/responses"),
                             spanWith([](RepeatedInputs& in) { in.route = "/v1/responses"; }).at("http.route"));
        CPPUNIT_ASSERT_EQUAL(std::string("PUT"),
                             spanWith([](RepeatedInputs& in) { in.method = "PUT"; }).at("http.request.method"));
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions/"),
                             spanWith([](RepeatedInputs& in) { in.path = "/v1/chat/completions/"; }).at("url.path"));
        CPPUNIT_ASSERT_EQUAL(std::string("https"), spanWith([](RepeatedInputs& in) { in.secure = true; }).at("url.scheme"));
        CPPUNIT_ASSERT_EQUAL(std::string("http"), decoded(span(encoder, &repeated, chatFrom("agent-a"))).at("url.scheme"));
        CPPUNIT_ASSERT_EQUAL(std::string("429"),
                             spanWith([](RepeatedInputs& in) { in.status = 429; }).at("http.response.status_code"));
        CPPUNIT_ASSERT_EQUAL(std::string("255"),
                             spanWith([](RepeatedInputs& in) { in.maxTokens = 255; }).at("gen_ai.request.max_tokens"));
        CPPUNIT_ASSERT(spanWith([](RepeatedInputs& in) { in.maxTokens.reset(); }).count("gen_ai.request.max_tokens") == 0);
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o-2024-11-20"),
                             spanWith([](RepeatedInputs& in) { in.responseModel = "gpt-4o-2024-11-20"; })
                                 .at("gen_ai.response.model"));
        CPPUNIT_ASSERT_EQUAL(std::string("stop"), spanWith([](RepeatedInputs& in) { in.finishReasons = "stop\n"; })
                                                      .at("gen_ai.response.finish_reasons"));
        const auto otherHost = spanWith([](RepeatedInputs& in) { in.host = "other.example"; });
        CPPUNIT_ASSERT_EQUAL(std::string("other.example"), otherHost.at("server.address"));
        CPPUNIT_ASSERT(otherHost.count("server.port") == 0);
        // A prefix of a kept value is another value.
        CPPUNIT_ASSERT_EQUAL(std::string("agent-"), decoded(span(encoder, &repeated, chatFrom("agent-"))).at("user_agent.original"));
        CPPUNIT_ASSERT_EQUAL(std::string("agent-a"), decoded(span(encoder, &repeated, chatFrom("agent-a"))).at("user_agent.original"));
    }

    void testASetPushedOutIsWrittenAfresh()
    {
        ProtobufSpanEncoder encoder;
        RepeatedAttributes repeated;
        // More clients than sets kept, round and round: every span names its own client.
        for (int round = 0; round < 3; ++round)
            for (int client = 0; client < 9; ++client)
            {
                const std::string agent = "client-" + std::to_string(client);
                const auto attributes = decoded(span(encoder, &repeated, chatFrom(agent)));
                CPPUNIT_ASSERT_EQUAL(agent, attributes.at("user_agent.original"));
                CPPUNIT_ASSERT_EQUAL(std::size_t(18), attributes.size());
            }
    }

    void testJsonSeparators()
    {
        JsonSpanEncoder encoder;
        RepeatedAttributes repeated;
        const RepeatedInputs inputs = chatFrom("agent-a");
        // Kept while not the span's first attributes, replayed as its first, and the reverse.
        const std::string keptAfterOthers = span(encoder, &repeated, inputs);
        encoder.begin(head());
        repeated.write(encoder, inputs);
        encoder.number("client.port", 50123);
        const std::string replayedFirst = encoder.finish();

        RepeatedAttributes second;
        encoder.begin(head());
        second.write(encoder, inputs); // kept as the first attributes
        encoder.finish();
        const std::string replayedAfterOthers = span(encoder, &second, inputs);
        CPPUNIT_ASSERT(replayedAfterOthers == keptAfterOthers);

        for (const std::string& json : {keptAfterOthers, replayedFirst, replayedAfterOthers})
        {
            Poco::JSON::Parser parser;
            const auto object = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
            const auto attributes = object->getArray("attributes");
            std::map<std::string, int> seen;
            for (std::size_t i = 0; i < attributes->size(); ++i)
                ++seen[attributes->getObject(static_cast<unsigned>(i))->getValue<std::string>("key")];
            CPPUNIT_ASSERT_EQUAL(json == replayedFirst ? std::size_t(17) : std::size_t(18), seen.size());
            for (const auto& [key, count] : seen)
                CPPUNIT_ASSERT_EQUAL_MESSAGE(key, 1, count);
            CPPUNIT_ASSERT_EQUAL(1, seen["user_agent.original"]);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RepeatedAttributesTest);
