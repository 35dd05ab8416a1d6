// AccessLog::format: the JSON line for an exchange that walked a real chain (time with
// milliseconds, ids and principal from the attributes, absent facts as null, escaping, the
// duration with three decimals), parsed back with Poco's JSON parser.

#include "ChainHarness.h"
#include "http/AccessLog.h"
#include "portico/Attributes.h"
#include "Poco/DateTime.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <regex>

using portico::AccessLog;
using portico::Exchange;
using portico::Outcome;
using portico::test::ChainHarness;

namespace {

Poco::JSON::Object::Ptr parse(const std::string& line)
{
    Poco::JSON::Parser parser;
    return parser.parse(line).extract<Poco::JSON::Object::Ptr>();
}

Poco::Timestamp at(int year, int month, int day, int hour, int minute, int second, int millisecond)
{
    return Poco::DateTime(year, month, day, hour, minute, second, millisecond).timestamp();
}

} // namespace

class AccessLogTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(AccessLogTest);
    CPPUNIT_TEST(testLineOfAHandledRequest);
    CPPUNIT_TEST(testAbsentFactsAreNull);
    CPPUNIT_TEST(testTimeWithinOneSecond);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        harness_ = std::make_unique<ChainHarness>();
        harness_->route("POST", "/v1/chat/completions", [](Exchange& exchange) {
            exchange.set(portico::attr::TraceId, "0123456789abcdef0123456789abcdef");
            exchange.set(portico::attr::Principal, "ali\"ce");
            exchange.set(portico::attr::Model, "gpt-4o");
            exchange.set(portico::attr::UpstreamMs, "10.2");
            exchange.respond(200, "{\"id\":\"x\"}");
        });
    }

    void tearDown() override { harness_.reset(); }

    void testLineOfAHandledRequest()
    {
        auto result = harness_->request("POST", "/v1/chat/completions?stream=false", {}, "{}");
        const std::string line = AccessLog::format(*result->exchange, Outcome::Completed, at(2026, 1, 2, 3, 4, 5, 678));
        const auto json = parse(line);
        CPPUNIT_ASSERT_EQUAL(std::string("2026-01-02T03:04:05.678Z"), json->getValue<std::string>("time"));
        CPPUNIT_ASSERT_EQUAL(std::string("0123456789abcdef0123456789abcdef"), json->getValue<std::string>("trace_id"));
        CPPUNIT_ASSERT_EQUAL(std::string("ali\"ce"), json->getValue<std::string>("principal"));
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), json->getValue<std::string>("method"));
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), json->getValue<std::string>("path"));
        CPPUNIT_ASSERT_EQUAL(200, json->getValue<int>("status"));
        CPPUNIT_ASSERT_EQUAL(10, json->getValue<int>("bytes_out"));
        CPPUNIT_ASSERT_EQUAL(10.2, json->getValue<double>("upstream_ms"));
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o"), json->getValue<std::string>("model"));
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:40000"), json->getValue<std::string>("client"));
        CPPUNIT_ASSERT_EQUAL(std::string("completed"), json->getValue<std::string>("outcome"));
        CPPUNIT_ASSERT_MESSAGE(line, std::regex_search(line, std::regex(",\"duration_ms\":[0-9]+\\.[0-9]{3},")));
        CPPUNIT_ASSERT(json->getValue<double>("duration_ms") >= 0.0);
    }

    void testAbsentFactsAreNull()
    {
        auto result = harness_->request("GET", "/missing");
        const auto json = parse(AccessLog::format(*result->exchange, Outcome::ClientGone, Poco::Timestamp()));
        for (const char* field : {"trace_id", "principal", "upstream_ms", "model"})
            CPPUNIT_ASSERT_MESSAGE(field, json->isNull(field));
        CPPUNIT_ASSERT_EQUAL(404, json->getValue<int>("status"));
        CPPUNIT_ASSERT_EQUAL(std::string("client_gone"), json->getValue<std::string>("outcome"));
    }

    void testTimeWithinOneSecond()
    {
        // The part up to the seconds is cached per second: the milliseconds must still move,
        // and the next second must not reuse the cached part.
        auto result = harness_->request("GET", "/missing");
        const auto time = [&](const Poco::Timestamp& now) {
            return parse(AccessLog::format(*result->exchange, Outcome::Completed, now))->getValue<std::string>("time");
        };
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T20:59:59.001Z"), time(at(2026, 11, 25, 20, 59, 59, 1)));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T20:59:59.999Z"), time(at(2026, 11, 25, 20, 59, 59, 999)));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T21:00:00.000Z"), time(at(2026, 11, 25, 21, 0, 0, 0)));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T20:59:59.500Z"), time(at(2026, 11, 25, 20, 59, 59, 500)));
    }

private:
    std::unique_ptr<ChainHarness> harness_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(AccessLogTest);
