// The cors plugin in a real chain (cors, then a plugin that stands for auth, then routes):
// preflights answered in the request hook without reaching the plugins after it, the headers of
// an allowed origin on every kind of answer (200, stream, 401 further in, 404, 405, 500), none
// for a refused origin, Vary appended and never clobbered, credentials never with "*".

#include "ChainHarness.h"
#include "CorsPlugin.h"
#include "RecordingPlugin.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include "Poco/String.h"
#include <cppunit/extensions/HelperMacros.h>
#include <stdexcept>

using portico::Exchange;
using portico::Response;
using portico::test::ChainHarness;
using portico::test::Journal;
using portico::test::RecordingPlugin;
using portico::test::TestPluginContext;

namespace {

const std::string Allowed = "https://app.example.com";
const std::string AllowedList = "allow_origins = https://app.example.com, https://*.example.org, http://127.0.0.1:3000\n";

std::map<std::string, std::string> preflightFrom(const std::string& origin, const std::string& headers = "authorization,content-type")
{
    std::map<std::string, std::string> out{{"Origin", origin}, {"Access-Control-Request-Method", "POST"}};
    if (!headers.empty())
        out["Access-Control-Request-Headers"] = headers;
    return out;
}

/// Every Access-Control-* header of an answer, "name: value" joined with '|'.
std::string corsHeaders(const Response& head)
{
    std::string out;
    for (const auto& [name, value] : head.headers)
        if (Poco::icompare(name.substr(0, 15), "access-control-") == 0)
            out += (out.empty() ? "" : "|") + name + ": " + value;
    return out;
}

int countOf(const Response& head, const std::string& header)
{
    int count = 0;
    for (const auto& [name, value] : head.headers)
        count += Poco::icompare(name, header) == 0 ? 1 : 0;
    return count;
}

} // namespace

class CorsPluginTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(CorsPluginTest);
    CPPUNIT_TEST(testPreflightOfAnAllowedOrigin);
    CPPUNIT_TEST(testPreflightBypassesTheLaterPlugins);
    CPPUNIT_TEST(testPreflightOfARefusedOrigin);
    CPPUNIT_TEST(testPreflightWithNothingAllowed);
    CPPUNIT_TEST(testPreflightWithAConfiguredHeaderList);
    CPPUNIT_TEST(testPreflightAsksForABadHeaderName);
    CPPUNIT_TEST(testPlainOptionsIsNoPreflight);
    CPPUNIT_TEST(testAllowedOriginOnEveryAnswer);
    CPPUNIT_TEST(testAllowedOriginOnAStream);
    CPPUNIT_TEST(testRefusedOriginsGetNoCorsHeaders);
    CPPUNIT_TEST(testWildcardAndPortEdges);
    CPPUNIT_TEST(testVaryIsAppendedNotClobbered);
    CPPUNIT_TEST(testCredentials);
    CPPUNIT_TEST(testAnyOrigin);
    CPPUNIT_TEST(testNothingAllowedAddsNothing);
    CPPUNIT_TEST(testNeverBlocksAndDescribesItself);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { build(AllowedList); }
    void tearDown() override { harness_.reset(); }

    void testPreflightOfAnAllowedOrigin()
    {
        auto result = harness_->request("OPTIONS", "/v1/chat/completions", preflightFrom(Allowed));
        const Response& head = result->head();
        CPPUNIT_ASSERT_EQUAL(204, head.status);
        CPPUNIT_ASSERT_EQUAL(Allowed, head.headers.get("Access-Control-Allow-Origin"));
        CPPUNIT_ASSERT_EQUAL(std::string("GET, POST, PUT, PATCH, DELETE, OPTIONS"),
                             head.headers.get("Access-Control-Allow-Methods"));
        CPPUNIT_ASSERT_EQUAL(std::string("authorization, content-type"), head.headers.get("Access-Control-Allow-Headers"));
        CPPUNIT_ASSERT_EQUAL(std::string("600"), head.headers.get("Access-Control-Max-Age"));
        CPPUNIT_ASSERT(!head.headers.has("Access-Control-Allow-Credentials"));
        CPPUNIT_ASSERT(!head.headers.has("Access-Control-Expose-Headers"));
        CPPUNIT_ASSERT_EQUAL(std::string("Origin, Access-Control-Request-Headers"), head.headers.get("Vary"));
        CPPUNIT_ASSERT(result->sink.body.empty());
    }

    void testPreflightBypassesTheLaterPlugins()
    {
        // Without an API key (browsers never send one on a preflight): the gate would answer 401
        // and count it; it must see nothing at all, neither request nor head hook.
        harness_->request("OPTIONS", "/v1/chat/completions", preflightFrom(Allowed));
        harness_->request("OPTIONS", "/v1/chat/completions", preflightFrom("https://evil.example.net"));
        harness_->request("OPTIONS", "/nowhere", preflightFrom(Allowed));
        CPPUNIT_ASSERT_EQUAL(0, journal_.count("request gate"));
        CPPUNIT_ASSERT_EQUAL(0, journal_.count("head gate"));
        CPPUNIT_ASSERT_EQUAL(3, journal_.count("request outer"));
        CPPUNIT_ASSERT_EQUAL(3, journal_.count("head outer"));
        CPPUNIT_ASSERT_EQUAL(3, journal_.count("complete outer completed"));
    }

    void testPreflightOfARefusedOrigin()
    {
        for (const std::string origin : {"https://evil.example.net", "https://evil-example.com", "null",
                                         "https://app.example.com.evil.net", "http://app.example.com", "garbage"})
        {
            auto result = harness_->request("OPTIONS", "/v1/chat/completions", preflightFrom(origin));
            CPPUNIT_ASSERT_EQUAL(204, result->head().status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(origin, std::string(), corsHeaders(result->head()));
            CPPUNIT_ASSERT_EQUAL(std::string("Origin"), result->head().headers.get("Vary"));
        }
    }

    void testPreflightWithNothingAllowed()
    {
        build("allow_origins =\n");
        auto result = harness_->request("OPTIONS", "/v1/chat/completions", preflightFrom(Allowed));
        CPPUNIT_ASSERT_EQUAL(204, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string(), corsHeaders(result->head()));
        CPPUNIT_ASSERT(!result->head().headers.has("Vary"));
        CPPUNIT_ASSERT_EQUAL(0, journal_.count("request gate"));
    }

    void testPreflightWithAConfiguredHeaderList()
    {
        build(AllowedList + "allow_headers = Authorization, Content-Type, X-Custom\nallow_methods = GET, POST\n"
                            "max_age_seconds = 7200\n");
        auto result = harness_->request("OPTIONS", "/v1/chat/completions", preflightFrom(Allowed, "x-other"));
        const Response& head = result->head();
        CPPUNIT_ASSERT_EQUAL(std::string("Authorization, Content-Type, X-Custom"), head.headers.get("Access-Control-Allow-Headers"));
        CPPUNIT_ASSERT_EQUAL(std::string("GET, POST"), head.headers.get("Access-Control-Allow-Methods"));
        CPPUNIT_ASSERT_EQUAL(std::string("7200"), head.headers.get("Access-Control-Max-Age"));
        CPPUNIT_ASSERT_EQUAL(std::string("Origin"), head.headers.get("Vary")); // the list does not depend on the request
    }

    void testPreflightAsksForABadHeaderName()
    {
        // Not reflected back as text: no Allow-Headers at all (the browser then refuses).
        auto result = harness_->request("OPTIONS", "/v1/chat/completions", preflightFrom(Allowed, "authorization, x y"));
        CPPUNIT_ASSERT_EQUAL(Allowed, result->head().headers.get("Access-Control-Allow-Origin"));
        CPPUNIT_ASSERT(!result->head().headers.has("Access-Control-Allow-Headers"));
        // Nothing asked: none sent either.
        result = harness_->request("OPTIONS", "/v1/chat/completions", preflightFrom(Allowed, ""));
        CPPUNIT_ASSERT(!result->head().headers.has("Access-Control-Allow-Headers"));
        CPPUNIT_ASSERT_EQUAL(std::string("GET, POST, PUT, PATCH, DELETE, OPTIONS"),
                             result->head().headers.get("Access-Control-Allow-Methods"));
        // A method that is no token: no CORS headers.
        result = harness_->request("OPTIONS", "/v1/chat/completions",
                                   {{"Origin", Allowed}, {"Access-Control-Request-Method", "PO ST"}});
        CPPUNIT_ASSERT_EQUAL(204, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string(), corsHeaders(result->head()));
    }

    void testPlainOptionsIsNoPreflight()
    {
        // OPTIONS without Access-Control-Request-Method is an ordinary request: it goes on (here
        // to a 405 from the core) and gets the actual-request headers.
        auto result = harness_->request("OPTIONS", "/v1/chat/completions", {{"Origin", Allowed}});
        CPPUNIT_ASSERT_EQUAL(405, result->head().status);
        CPPUNIT_ASSERT_EQUAL(1, journal_.count("request gate"));
        CPPUNIT_ASSERT_EQUAL(Allowed, result->head().headers.get("Access-Control-Allow-Origin"));
        CPPUNIT_ASSERT(!result->head().headers.has("Access-Control-Allow-Methods"));
    }

    void testAllowedOriginOnEveryAnswer()
    {
        struct Case
        {
            const char* method;
            const char* target;
            std::map<std::string, std::string> headers;
            int status;
        };
        const std::vector<Case> cases = {
            {"POST", "/v1/chat/completions", {{"Origin", Allowed}}, 200},
            {"POST", "/v1/chat/completions", {{"Origin", Allowed}, {"Authorization", "Bearer wrong"}}, 401},
            {"POST", "/v1/chat/completions", {{"Origin", Allowed}, {"X-Limit", "1"}}, 429},
            {"GET", "/missing", {{"Origin", Allowed}}, 404},
            {"DELETE", "/v1/chat/completions", {{"Origin", Allowed}}, 405},
            {"GET", "/throw", {{"Origin", Allowed}}, 500},
        };
        for (const auto& c : cases)
        {
            auto result = harness_->request(c.method, c.target, c.headers);
            const Response& head = result->head();
            const std::string what = std::string(c.method) + " " + c.target + " -> " + std::to_string(head.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(what, c.status, head.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(what, Allowed, head.headers.get("Access-Control-Allow-Origin", "(none)"));
            PORTICO_ASSERT_CONTAINS(head.headers.get("Access-Control-Expose-Headers", ""), "x-ratelimit-remaining-requests");
            PORTICO_ASSERT_CONTAINS(head.headers.get("Access-Control-Expose-Headers", ""), "retry-after");
            CPPUNIT_ASSERT_MESSAGE(what, !head.headers.has("Access-Control-Allow-Credentials"));
            CPPUNIT_ASSERT_MESSAGE(what, !head.headers.has("Access-Control-Allow-Methods"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(what, std::string("Origin"), head.headers.get("Vary", ""));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(what, 1, countOf(head, "Access-Control-Allow-Origin"));
        }
    }

    void testAllowedOriginOnAStream()
    {
        auto result = harness_->request("POST", "/stream", {{"Origin", "http://127.0.0.1:3000"}});
        CPPUNIT_ASSERT(result->sink.streamBegun);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), result->sink.chunks.size());
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:3000"), result->head().headers.get("Access-Control-Allow-Origin"));
        CPPUNIT_ASSERT(result->head().headers.has("Access-Control-Expose-Headers"));
    }

    void testRefusedOriginsGetNoCorsHeaders()
    {
        for (const std::string origin : {"https://evil.example.net", "null", "https://app.example.com/", "",
                                         "https://app.example.com:8443", "http://127.0.0.1:3001"})
        {
            std::map<std::string, std::string> headers;
            if (!origin.empty())
                headers["Origin"] = origin;
            for (const char* target : {"/v1/chat/completions", "/claims-cors", "/missing"})
            {
                auto result = harness_->request("POST", target, headers);
                CPPUNIT_ASSERT_EQUAL_MESSAGE(origin + " " + target, std::string(), corsHeaders(result->head()));
                CPPUNIT_ASSERT_EQUAL(std::string("Origin"), result->head().headers.get("Vary", ""));
            }
        }
    }

    void testWildcardAndPortEdges()
    {
        const std::vector<std::pair<std::string, bool>> origins = {
            {"https://api.example.org", true},
            {"https://a.b.example.org", true},
            {"https://example.org", false},
            {"https://evil-example.org", false},
            {"https://api.example.org.evil.net", false},
            {"http://api.example.org", false},
            {"https://api.example.org:444", false},
            {"http://127.0.0.1:3000", true},
            {"http://127.0.0.1:3001", false},
            {"http://localhost:3000", false},
        };
        for (const auto& [origin, allowed] : origins)
        {
            auto result = harness_->request("POST", "/v1/chat/completions", {{"Origin", origin}});
            CPPUNIT_ASSERT_EQUAL_MESSAGE(origin, allowed ? origin : std::string("(none)"),
                                         result->head().headers.get("Access-Control-Allow-Origin", "(none)"));
        }
    }

    void testVaryIsAppendedNotClobbered()
    {
        auto result = harness_->request("GET", "/vary?value=Accept-Encoding", {{"Origin", Allowed}});
        CPPUNIT_ASSERT_EQUAL(std::string("Accept-Encoding, Origin"), result->head().headers.get("Vary"));
        CPPUNIT_ASSERT_EQUAL(1, countOf(result->head(), "Vary"));
        result = harness_->request("GET", "/vary?value=accept, origin", {{"Origin", Allowed}});
        CPPUNIT_ASSERT_EQUAL(std::string("accept, origin"), result->head().headers.get("Vary"));
        result = harness_->request("GET", "/vary?value=*", {{"Origin", Allowed}});
        CPPUNIT_ASSERT_EQUAL(std::string("*"), result->head().headers.get("Vary"));
        CPPUNIT_ASSERT_EQUAL(Allowed, result->head().headers.get("Access-Control-Allow-Origin"));
        // A refused origin: still appended (the answer depends on the Origin), never replaced.
        result = harness_->request("GET", "/vary?value=Accept-Language", {{"Origin", "https://evil.example.net"}});
        CPPUNIT_ASSERT_EQUAL(std::string("Accept-Language, Origin"), result->head().headers.get("Vary"));
    }

    void testCredentials()
    {
        build(AllowedList + "allow_credentials = true\n");
        auto result = harness_->request("POST", "/v1/chat/completions", {{"Origin", Allowed}});
        CPPUNIT_ASSERT_EQUAL(Allowed, result->head().headers.get("Access-Control-Allow-Origin"));
        CPPUNIT_ASSERT_EQUAL(std::string("true"), result->head().headers.get("Access-Control-Allow-Credentials"));
        result = harness_->request("OPTIONS", "/v1/chat/completions", preflightFrom(Allowed));
        CPPUNIT_ASSERT_EQUAL(Allowed, result->head().headers.get("Access-Control-Allow-Origin"));
        CPPUNIT_ASSERT_EQUAL(std::string("true"), result->head().headers.get("Access-Control-Allow-Credentials"));
        // A refused origin never gets its own origin back, nor credentials.
        for (const std::string origin : {"https://evil.example.net", "null"})
        {
            result = harness_->request("POST", "/v1/chat/completions", {{"Origin", origin}});
            CPPUNIT_ASSERT_EQUAL(std::string(), corsHeaders(result->head()));
            result = harness_->request("OPTIONS", "/v1/chat/completions", preflightFrom(origin));
            CPPUNIT_ASSERT_EQUAL(std::string(), corsHeaders(result->head()));
        }
        // And "*" cannot be combined with credentials at all: refused at start-up.
        TestPluginContext context("[cors]\nallow_origins = *\nallow_credentials = true\n", "cors");
        PORTICO_ASSERT_CONTAINS(portico::test::messageOf([&] { portico::cors::CorsPlugin plugin(context); }),
                                "[cors] allow_credentials:");
    }

    void testAnyOrigin()
    {
        build("allow_origins = *\n");
        for (const std::string origin : {Allowed.c_str(), "https://anything.example.net", "null", ""})
        {
            std::map<std::string, std::string> headers;
            if (!origin.empty())
                headers["Origin"] = origin;
            auto result = harness_->request("POST", "/v1/chat/completions", headers);
            CPPUNIT_ASSERT_EQUAL(std::string("*"), result->head().headers.get("Access-Control-Allow-Origin"));
            CPPUNIT_ASSERT(!result->head().headers.has("Access-Control-Allow-Credentials"));
            CPPUNIT_ASSERT(!result->head().headers.has("Vary")); // the same for every origin
        }
        auto result = harness_->request("OPTIONS", "/v1/chat/completions", preflightFrom("https://anything.example.net"));
        CPPUNIT_ASSERT_EQUAL(std::string("*"), result->head().headers.get("Access-Control-Allow-Origin"));
        CPPUNIT_ASSERT_EQUAL(std::string("authorization, content-type"), result->head().headers.get("Access-Control-Allow-Headers"));
        CPPUNIT_ASSERT_EQUAL(std::string("Access-Control-Request-Headers"), result->head().headers.get("Vary"));
    }

    void testNothingAllowedAddsNothing()
    {
        build("");
        auto result = harness_->request("POST", "/v1/chat/completions", {{"Origin", Allowed}});
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string(), corsHeaders(result->head()));
        CPPUNIT_ASSERT(!result->head().headers.has("Vary"));
    }

    void testNeverBlocksAndDescribesItself()
    {
        TestPluginContext context("[cors]\n" + AllowedList + "allow_credentials = true\n", "cors");
        portico::cors::CorsPlugin plugin(context);
        CPPUNIT_ASSERT(plugin.blocking() == portico::Blocking::Never);
        portico::ApiDescription api;
        plugin.describeApi(api);
        std::string seen;
        for (const auto& fragment : api.fragments())
            seen += fragment.kind + ":" + fragment.name + "|";
        PORTICO_ASSERT_CONTAINS(seen, "requestHeader:Origin|");
        PORTICO_ASSERT_CONTAINS(seen, "responseHeader:Access-Control-Allow-Origin|");
        PORTICO_ASSERT_CONTAINS(seen, "responseHeader:Access-Control-Expose-Headers|");
        PORTICO_ASSERT_CONTAINS(seen, "responseHeader:Access-Control-Allow-Credentials|");
        PORTICO_ASSERT_CONTAINS(seen, "responseHeader:Vary|");
        PORTICO_ASSERT_CONTAINS(api.fragments().front().json, "answered 204");

        TestPluginContext none("", "cors");
        portico::cors::CorsPlugin inert(none);
        portico::ApiDescription nothing;
        inert.describeApi(nothing);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), nothing.fragments().size()); // the Origin header: how preflights go
        PORTICO_ASSERT_CONTAINS(nothing.fragments().front().json, "No origin is allowed");
    }

private:
    /// outer (stands for tracing/security), cors, then gate (stands for auth and ratelimit:
    /// 401 on a wrong key, 429 when X-Limit is sent), then the routes.
    void build(const std::string& section)
    {
        harness_ = std::make_unique<ChainHarness>();
        journal_.events.clear();
        harness_->add("outer", std::make_unique<RecordingPlugin>("outer", journal_));
        TestPluginContext context("[cors]\n" + section, "cors");
        harness_->add("cors", std::make_unique<portico::cors::CorsPlugin>(context));
        CPPUNIT_ASSERT(context.config().unreadKeys().empty());
        auto gate = std::make_unique<RecordingPlugin>("gate", journal_);
        gate->answerRequest = [](Exchange& exchange) {
            if (!exchange.requestHeader("Authorization").empty())
                exchange.respondError(401, "Invalid API key.", "invalid_request_error", "invalid_api_key");
            else if (!exchange.requestHeader("X-Limit").empty())
            {
                exchange.respondError(429, "Slow down.", "requests", "rate_limit_exceeded");
                exchange.response().headers.set("Retry-After", "1");
            }
        };
        harness_->add("gate", std::move(gate));
        harness_->route("POST", "/v1/chat/completions", [](Exchange& exchange) { exchange.respond(200, "{}"); });
        harness_->route("GET", "/throw", [](Exchange&) { throw std::runtime_error("handler failed"); });
        harness_->route("POST", "/stream", [](Exchange& exchange) {
            auto& stream = exchange.stream();
            stream.write("data: {}\n\n");
            stream.write("data: [DONE]\n\n");
            stream.end();
        });
        harness_->route("GET", "/vary", [](Exchange& exchange) {
            exchange.respond(200, "{}");
            exchange.response().headers.set("Vary", exchange.query().substr(6));
        });
        // A handler (say, an upstream's answer) that sets CORS headers of its own.
        harness_->route("POST", "/claims-cors", [](Exchange& exchange) {
            exchange.respond(200, "{}");
            exchange.response().headers.set("Access-Control-Allow-Origin", "*");
            exchange.response().headers.set("Access-Control-Allow-Credentials", "true");
        });
    }

    std::unique_ptr<ChainHarness> harness_;
    Journal journal_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(CorsPluginTest);
