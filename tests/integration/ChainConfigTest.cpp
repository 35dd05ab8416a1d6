// The config decides the chain: plugins.order is the execution order (both ways round),
// `enabled = false` takes a plugin's headers away, and the XML config gives exactly the answers
// the INI one does.

#include "IntegrationConfigs.h"
#include "PorticodProcess.h"
#include "Poco/String.h"
#include <cppunit/extensions/HelperMacros.h>
#include <set>

using namespace portico::test;

namespace {

std::string probesInOrder(const std::string& order)
{
    return "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\npath = {plugins}\norder = " + order +
           "\n[probe_b]\nroutes = true\n";
}

/// What must be equal between two servers' answers: status, body and headers, except the
/// values that differ per request (the ids) or per second (Date).
std::string comparable(const HttpResult& result)
{
    static const std::set<std::string> varying = {"x-trace-id", "x-request-id", "date"};
    std::set<std::string> lines;
    for (const auto& [name, value] : result.headers)
    {
        const std::string lower = Poco::toLower(name);
        lines.insert(lower + ": " + (varying.count(lower) ? "*" : value));
    }
    std::string out = std::to_string(result.status) + "\n";
    for (const auto& line : lines)
        out += line + "\n";
    return out + result.body;
}

struct Probe
{
    std::string method;
    std::string path;
    std::string body;
};

} // namespace

class ChainConfigTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ChainConfigTest);
    CPPUNIT_TEST(testConfigOrderIsExecutionOrder);
    CPPUNIT_TEST(testReversedOrder);
    CPPUNIT_TEST(testDisablingSecurityRemovesItsHeaders);
    CPPUNIT_TEST(testDisablingTracingRemovesItsHeaders);
    CPPUNIT_TEST(testXmlConfigBehavesLikeIni);
    CPPUNIT_TEST_SUITE_END();

public:
    void testConfigOrderIsExecutionOrder()
    {
        PorticodProcess porticod(probesInOrder("probe_a, probe_b"));
        const HttpResult result = httpRequest(porticod.port(), "GET", "/healthz");
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        CPPUNIT_ASSERT_EQUAL(std::string("probe_a,probe_b"), result.header("X-Probe-Request-Trail"));
        CPPUNIT_ASSERT_EQUAL(std::string("probe_b,probe_a"), result.header("X-Probe-Response-Trail"));
    }

    void testReversedOrder()
    {
        PorticodProcess porticod(probesInOrder("probe_b, probe_a"));
        const HttpResult result = httpRequest(porticod.port(), "GET", "/healthz");
        CPPUNIT_ASSERT_EQUAL(std::string("probe_b,probe_a"), result.header("X-Probe-Request-Trail"));
        CPPUNIT_ASSERT_EQUAL(std::string("probe_a,probe_b"), result.header("X-Probe-Response-Trail"));
        // The same on an error answer.
        const HttpResult missing = httpRequest(porticod.port(), "GET", "/missing");
        CPPUNIT_ASSERT_EQUAL(404, missing.status);
        CPPUNIT_ASSERT_EQUAL(std::string("probe_a,probe_b"), missing.header("X-Probe-Response-Trail"));
    }

    void testDisablingSecurityRemovesItsHeaders()
    {
        PorticodProcess porticod("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, security\n"
                                 "[security]\nenabled = false\nframe_options = SAMEORIGIN\n");
        for (const std::string path : {"/healthz", "/missing"})
        {
            const HttpResult result = httpRequest(porticod.port(), "GET", path);
            for (const auto& [name, value] : securityHeaders)
                CPPUNIT_ASSERT_MESSAGE(std::string(name) + " on " + path, !result.has(name));
            CPPUNIT_ASSERT(isTraceId(result.header("X-Trace-Id")));
        }
    }

    void testDisablingTracingRemovesItsHeaders()
    {
        PorticodProcess porticod("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, security\n"
                                 "[tracing]\nenabled = off\n");
        const HttpResult result = httpRequest(porticod.port(), "GET", "/healthz");
        CPPUNIT_ASSERT(!result.has("X-Trace-Id"));
        CPPUNIT_ASSERT(!result.has("X-Request-Id"));
        CPPUNIT_ASSERT_EQUAL(std::string("nosniff"), result.header("X-Content-Type-Options"));
    }

    void testXmlConfigBehavesLikeIni()
    {
        PorticodProcess ini(probeChainIni);
        PorticodProcess::Options xmlOptions;
        xmlOptions.config = probeChainXml;
        xmlOptions.extension = "xml";
        PorticodProcess xml(xmlOptions);

        const Probe probes[] = {
            {"GET", "/healthz", ""},       {"HEAD", "/healthz", ""},         {"GET", "/readyz", ""},
            {"GET", "/missing", ""},       {"POST", "/healthz", "{}"},       {"GET", "/short", ""},
            {"GET", "/boom", ""},          {"GET", "/headboom", ""},         {"GET", "/probe_b/throw", ""},
            {"POST", "/probe_b/echo", "{\"a\":1}"}, {"POST", "/probe_b/echo", std::string(1025, 'z')},
        };
        for (const auto& probe : probes)
        {
            const HttpResult fromIni = httpRequest(ini.port(), probe.method, probe.path, probe.body);
            const HttpResult fromXml = httpRequest(xml.port(), probe.method, probe.path, probe.body);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(probe.method + " " + probe.path, comparable(fromIni), comparable(fromXml));
            assertGatewayHeaders(fromXml, "XML " + probe.method + " " + probe.path);
        }
        // The chains are the same, in the same order.
        const auto iniCheck = runPorticod({"--check-config", "--config=" + ini.configPath()});
        const auto xmlCheck = runPorticod({"--check-config", "--config=" + xml.configPath()});
        CPPUNIT_ASSERT_EQUAL(0, iniCheck.exitCode);
        CPPUNIT_ASSERT_EQUAL(0, xmlCheck.exitCode);
        // Each process has its own temp dir (and plugin dir); compare the chains without it.
        const auto chainOf = [](const std::string& output, const PorticodProcess& process) {
            return Poco::replace(output.substr(output.find("chain (request order)")), process.dir().path(),
                                 std::string("{dir}"));
        };
        CPPUNIT_ASSERT_EQUAL(chainOf(iniCheck.output, ini), chainOf(xmlCheck.output, xml));
        PORTICO_ASSERT_CONTAINS(chainOf(xmlCheck.output, xml), "4. probe_b");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ChainConfigTest);
