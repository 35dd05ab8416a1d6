#pragma once
// Config texts and checks the integration suites share. Placeholders ({port}, {plugins}) are
// filled in by PorticodProcess.

#include "HttpClient.h"
#include "TestAsserts.h"
#include <cppunit/extensions/HelperMacros.h>
#include <string>

namespace portico::test {

/// tracing and security outermost, then two probes: probe_a answers /short itself (418) and
/// throws in its request hook on /boom; probe_b has the routes and throws in its response hook
/// on /headboom. Bodies are limited to 1024 bytes.
inline const std::string probeChainIni = R"([server]
listen = 127.0.0.1:{port}
max_body_bytes = 1024
[plugins]
path = {plugins}
order = tracing, security, probe_a, probe_b
[probe_a]
answer_path = /short
throw_on = request
throw_path = /boom
[probe_b]
routes = true
throw_on = response
throw_path = /headboom
)";

/// The same settings as probeChainIni, in XML.
inline const std::string probeChainXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<portico>
  <server>
    <listen>127.0.0.1:{port}</listen>
    <max_body_bytes>1024</max_body_bytes>
  </server>
  <plugins path="{plugins}">
    <plugin name="tracing"/>
    <plugin name="security"/>
    <plugin name="probe_a"/>
    <plugin name="probe_b"/>
  </plugins>
  <probe_a>
    <answer_path>/short</answer_path>
    <throw_on>request</throw_on>
    <throw_path>/boom</throw_path>
  </probe_a>
  <probe_b>
    <routes>true</routes>
    <throw_on>response</throw_on>
    <throw_path>/headboom</throw_path>
  </probe_b>
</portico>
)";

/// The five security headers with their default values.
inline const std::pair<const char*, const char*> securityHeaders[] = {
    {"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
};

inline bool isTraceId(const std::string& id)
{
    return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

/// The five security headers, X-Trace-Id (32 lowercase hex) and the same X-Request-Id.
inline void assertGatewayHeaders(const HttpResult& result, const std::string& what)
{
    for (const auto& [name, value] : securityHeaders)
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what + ": " + name, std::string(value), result.header(name));
    const std::string traceId = result.header("X-Trace-Id");
    CPPUNIT_ASSERT_MESSAGE(what + ": X-Trace-Id '" + traceId + "'", isTraceId(traceId));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(what + ": X-Request-Id", traceId, result.header("X-Request-Id"));
}

/// Checks an OpenAI-shaped error body: {"error":{"message","type","param","code"}}.
inline void assertOpenAiError(const HttpResult& result, int status, const std::string& code)
{
    CPPUNIT_ASSERT_EQUAL(status, result.status);
    CPPUNIT_ASSERT_EQUAL(std::string("application/json"), result.header("Content-Type"));
    PORTICO_ASSERT_CONTAINS(result.body, "{\"error\":{\"message\":");
    PORTICO_ASSERT_CONTAINS(result.body, "\"type\":");
    PORTICO_ASSERT_CONTAINS(result.body, "\"param\":");
    PORTICO_ASSERT_CONTAINS(result.body, "\"code\":\"" + code + "\"");
}

/// The head of a raw answer, lower-cased, for header checks on RawResult.
inline std::string rawHead(const RawResult& result)
{
    std::string head = result.raw.substr(0, result.raw.find("\r\n\r\n"));
    for (auto& c : head)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return head;
}

} // namespace portico::test
