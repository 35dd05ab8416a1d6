// The installed porticod with tracing, security, metrics, a principal (test_principal stands in
// for auth), ratelimit and the probe's routes: a burst on one principal admits exactly the
// burst, every 429 carries Retry-After, the trace id and the security headers, the remaining
// count runs down to 0, /metrics counts the refusals under the principal's hash, and promtool
// accepts the exposition.

#include "IntegrationHelpers.h"
#include "MetricsTesting.h"
#include "PorticodProcess.h"
#include "PrincipalLabels.h"
#include "TestAsserts.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <iostream>
#include <set>

using portico::ratelimit::PrincipalLabels;
using portico::ratelimit::test::isTraceId;
using portico::ratelimit::test::simultaneously;
using portico::test::HttpResult;
using portico::test::httpRequest;
using portico::test::PorticodProcess;
using portico::test::runPorticod;
using portico::test::TempDir;
namespace metrics = portico::metrics::test;

namespace {

const char* const Config = R"([server]
listen = 127.0.0.1:{port}
threads = 96
[plugins]
path = {plugins}
order = tracing, security, metrics, test_principal, ratelimit, probe_b
[probe_b]
routes = true
[ratelimit]
burst = 40
requests_per_second = 0.001
ietf_headers = true
)";

const char* const SecurityHeaders[] = {"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
                                       "Referrer-Policy", "Content-Security-Policy"};

HttpResult asPrincipal(unsigned short port, const std::string& principal, const std::string& path)
{
    return httpRequest(port, "GET", path, "", {{"X-Test-Principal", principal}}, 20);
}

} // namespace

class RateLimitIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RateLimitIntegrationTest);
    CPPUNIT_TEST(testBurstOf60On40AdmitsExactly40);
    CPPUNIT_TEST(testRemainingCountsDownToZero);
    CPPUNIT_TEST(testBucketsSurviveSighup);
    CPPUNIT_TEST(testXmlOverrides);
    CPPUNIT_TEST(testConfigErrorsNameFileAndKey);
    CPPUNIT_TEST_SUITE_END();

public:
    void testBurstOf60On40AdmitsExactly40()
    {
        PorticodProcess porticod(Config);
        const std::string principal = "burst-tester@example.com";
        // /probe_b/slow holds each admitted request 100 ms, so all 60 are in flight together.
        const auto results = simultaneously(
            60, [&](int) { return asPrincipal(porticod.port(), principal, "/probe_b/slow?ms=100"); });

        int passed = 0;
        int refused = 0;
        std::set<std::string> remaining;
        for (const auto& result : results)
        {
            CPPUNIT_ASSERT_MESSAGE("status " + std::to_string(result.status), result.status == 200 || result.status == 429);
            CPPUNIT_ASSERT_EQUAL(std::string("40"), result.header("x-ratelimit-limit-requests"));
            CPPUNIT_ASSERT(!result.header("x-ratelimit-reset-requests").empty());
            CPPUNIT_ASSERT(isTraceId(result.header("X-Trace-Id")));
            for (const char* name : SecurityHeaders)
                CPPUNIT_ASSERT_MESSAGE(std::string("no ") + name + " on a " + std::to_string(result.status),
                                       result.has(name));
            if (result.status == 200)
            {
                ++passed;
                remaining.insert(result.header("x-ratelimit-remaining-requests"));
                continue;
            }
            ++refused;
            const std::string retryAfter = result.header("Retry-After");
            CPPUNIT_ASSERT_MESSAGE("Retry-After '" + retryAfter + "'",
                                   !retryAfter.empty() && std::stoll(retryAfter) >= 1 &&
                                       retryAfter.find_first_not_of("0123456789") == std::string::npos);
            CPPUNIT_ASSERT_EQUAL(std::string("0"), result.header("x-ratelimit-remaining-requests"));
            CPPUNIT_ASSERT_EQUAL(std::string("\"requests\";q=40;w=40000"), result.header("RateLimit-Policy"));
            PORTICO_ASSERT_CONTAINS(result.header("Content-Type"), "application/json");
            Poco::JSON::Parser parser;
            const auto error = parser.parse(result.body).extract<Poco::JSON::Object::Ptr>()->getObject("error");
            CPPUNIT_ASSERT_EQUAL(std::string("rate_limit_exceeded"), error->getValue<std::string>("code"));
            CPPUNIT_ASSERT_EQUAL(std::string("requests"), error->getValue<std::string>("type"));
            CPPUNIT_ASSERT(error->has("param") && error->isNull("param"));
        }
        CPPUNIT_ASSERT_EQUAL(40, passed);
        CPPUNIT_ASSERT_EQUAL(20, refused);
        // Exact: the 40 admitted requests saw each remaining count from 39 down to 0 once.
        CPPUNIT_ASSERT_EQUAL(std::size_t(40), remaining.size());
        for (int i = 0; i < 40; ++i)
            CPPUNIT_ASSERT_MESSAGE("no answer with remaining " + std::to_string(i), remaining.count(std::to_string(i)));

        const HttpResult exposition = httpRequest(porticod.port(), "GET", "/metrics");
        CPPUNIT_ASSERT_EQUAL(200, exposition.status);
        PORTICO_ASSERT_CONTAINS(exposition.header("Content-Type"), "text/plain; version=0.0.4");
        const std::string hash = PrincipalLabels::hash8(principal);
        CPPUNIT_ASSERT_EQUAL(20.0, metrics::sampleValue(exposition.body, "portico_ratelimit_exceeded_total{principal=\"" +
                                                                             hash + "\",route=\"/probe_b/slow\","
                                                                                    "type=\"requests\"}"));
        PORTICO_ASSERT_NOT_CONTAINS(exposition.body, principal);
        PORTICO_ASSERT_NOT_CONTAINS(exposition.body, "burst-tester");
        // Counted by completion hooks, which run just after each answer went out.
        const auto scrape = [&] { return httpRequest(porticod.port(), "GET", "/metrics").body; };
        CPPUNIT_ASSERT_EQUAL(40.0, metrics::awaitSample(scrape,
                                                        "portico_http_requests_total{method=\"GET\","
                                                        "route=\"/probe_b/slow\",status=\"200\"}",
                                                        40.0));
        CPPUNIT_ASSERT_EQUAL(20.0, metrics::awaitSample(scrape,
                                                        "portico_http_requests_total{method=\"GET\","
                                                        "route=\"/probe_b/slow\",status=\"429\"}",
                                                        20.0));

        std::string promtool;
        bool missing = false;
        CPPUNIT_ASSERT_MESSAGE(promtool + "\n" + exposition.body, metrics::promtoolAccepts(exposition.body, promtool, missing));
        if (missing)
            std::cerr << metrics::PromtoolMissing << std::endl;
    }

    void testRemainingCountsDownToZero()
    {
        PorticodProcess porticod(Config);
        for (int i = 39; i >= 0; --i)
        {
            const HttpResult result = asPrincipal(porticod.port(), "countdown", "/probe_b/slow?ms=0");
            CPPUNIT_ASSERT_EQUAL(200, result.status);
            CPPUNIT_ASSERT_EQUAL(std::to_string(i), result.header("x-ratelimit-remaining-requests"));
            PORTICO_ASSERT_CONTAINS(result.header("RateLimit"), "\"requests\";r=" + std::to_string(i) + ";t=");
        }
        const HttpResult refused = asPrincipal(porticod.port(), "countdown", "/probe_b/slow?ms=0");
        CPPUNIT_ASSERT_EQUAL(429, refused.status);
        // Another principal and another route are untouched.
        CPPUNIT_ASSERT_EQUAL(std::string("39"),
                             asPrincipal(porticod.port(), "someone-else", "/probe_b/slow?ms=0")
                                 .header("x-ratelimit-remaining-requests"));
        const HttpResult echo = httpRequest(porticod.port(), "POST", "/probe_b/echo", "{}", {{"X-Test-Principal", "countdown"}});
        CPPUNIT_ASSERT_EQUAL(200, echo.status);
        CPPUNIT_ASSERT_EQUAL(std::string("39"), echo.header("x-ratelimit-remaining-requests"));
        // Exempt: no limit, no headers.
        const HttpResult health = asPrincipal(porticod.port(), "countdown", "/healthz");
        CPPUNIT_ASSERT_EQUAL(200, health.status);
        CPPUNIT_ASSERT(!health.has("x-ratelimit-limit-requests"));
    }

    void testBucketsSurviveSighup()
    {
        PorticodProcess porticod(Config);
        for (int i = 0; i < 30; ++i)
            CPPUNIT_ASSERT_EQUAL(200, asPrincipal(porticod.port(), "reloader", "/probe_b/slow?ms=0").status);
        porticod.signal(SIGHUP);
        CPPUNIT_ASSERT(porticod.waitForOutput("reloaded", 10));
        // The reloaded chain's plugin is a new object; the bucket is the same.
        CPPUNIT_ASSERT_EQUAL(std::string("9"), asPrincipal(porticod.port(), "reloader", "/probe_b/slow?ms=0")
                                                   .header("x-ratelimit-remaining-requests"));
        CPPUNIT_ASSERT_EQUAL(31.0, metrics::awaitSample([&] { return httpRequest(porticod.port(), "GET", "/metrics").body; },
                                                        "portico_http_requests_total{method=\"GET\","
                                                        "route=\"/probe_b/slow\",status=\"200\"}",
                                                        31.0));
    }

    void testXmlOverrides()
    {
        PorticodProcess::Options options;
        options.extension = "xml";
        options.config = R"(<portico>
  <server><listen>127.0.0.1:{port}</listen></server>
  <plugins path="{plugins}">
    <plugin name="test_principal"/><plugin name="ratelimit"/><plugin name="probe_b"/>
  </plugins>
  <probe_b><routes>true</routes></probe_b>
  <ratelimit>
    <burst>40</burst>
    <override><echo><route>/probe_b/echo</route><burst>2</burst></echo></override>
    <override><vip principal="vip" burst="100"/></override>
  </ratelimit>
</portico>)";
        PorticodProcess porticod(options);
        auto limitOf = [&](const std::string& method, const std::string& path, const std::string& principal) {
            return httpRequest(porticod.port(), method, path, method == "POST" ? "{}" : "",
                               {{"X-Test-Principal", principal}})
                .header("x-ratelimit-limit-requests");
        };
        CPPUNIT_ASSERT_EQUAL(std::string("2"), limitOf("POST", "/probe_b/echo", "alice"));
        CPPUNIT_ASSERT_EQUAL(std::string("40"), limitOf("GET", "/probe_b/slow?ms=0", "alice"));
        // Principal over route: vip's burst wins on the echo route too.
        CPPUNIT_ASSERT_EQUAL(std::string("100"), limitOf("POST", "/probe_b/echo", "vip"));
    }

    void testConfigErrorsNameFileAndKey()
    {
        TempDir dir;
        auto check = [&](const std::string& name, const std::string& section) {
            const std::string file = dir.write(name, "[plugins]\norder = ratelimit\n[ratelimit]\n" + section);
            return runPorticod({"--config=" + file, "--check-config"});
        };
        const auto typo = check("typo.ini", "burts = 4\n");
        CPPUNIT_ASSERT(typo.exitCode != 0);
        PORTICO_ASSERT_CONTAINS(typo.output, "typo.ini");
        PORTICO_ASSERT_CONTAINS(typo.output, "burts");
        const auto noLimit = check("nolimit.ini", "override.chat.route = /v1/chat/completions\n");
        CPPUNIT_ASSERT(noLimit.exitCode != 0);
        PORTICO_ASSERT_CONTAINS(noLimit.output, "nolimit.ini");
        PORTICO_ASSERT_CONTAINS(noLimit.output, "override.chat");
        const auto keying = check("keying.ini", "keying = everyone\n");
        CPPUNIT_ASSERT(keying.exitCode != 0);
        PORTICO_ASSERT_CONTAINS(keying.output, "keying");
        const auto good = check("good.ini", "burst = 10\noverride.chat.route = /v1/chat/completions\n"
                                            "override.chat.burst = 2\n");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(good.output, 0, good.exitCode);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RateLimitIntegrationTest);
