// The [idempotency] section: defaults, every key, every error.

#include "IdempotencyConfig.h"
#include "PluginHarness.h"
#include <cppunit/extensions/HelperMacros.h>

namespace portico::idempotency::test {

class IdempotencyConfigTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(IdempotencyConfigTest);
    CPPUNIT_TEST(testDefaults);
    CPPUNIT_TEST(testEveryKey);
    CPPUNIT_TEST(testEveryKeyIsReadWhateverTheStore);
    CPPUNIT_TEST(testBadValuesNameTheKey);
    CPPUNIT_TEST_SUITE_END();

public:
    static IdempotencyConfig parse(const std::map<std::string, std::string>& values)
    {
        prometheus::Registry registry;
        TestContext context(values, registry);
        return IdempotencyConfig::from(context.config());
    }

    static std::string errorOf(const std::map<std::string, std::string>& values)
    {
        try
        {
            parse(values);
        }
        catch (const ConfigError& e)
        {
            return e.what();
        }
        CPPUNIT_FAIL("no error for a bad config");
        return {};
    }

    void testDefaults()
    {
        const auto config = parse({});
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), config.routes.size());
        CPPUNIT_ASSERT(config.covers("POST", "/v1/embeddings"));
        CPPUNIT_ASSERT(config.covers("POST", "/v1/responses"));
        CPPUNIT_ASSERT(config.covers("POST", "/v1/chat/completions"));
        CPPUNIT_ASSERT(!config.covers("GET", "/v1/models"));
        CPPUNIT_ASSERT(!config.covers("POST", ""));
        CPPUNIT_ASSERT_EQUAL(86400LL, static_cast<long long>(config.ttl.count()));
        CPPUNIT_ASSERT_EQUAL(600LL, static_cast<long long>(config.inFlightTtl.count()));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(4194304), config.maxStreamBytes);
        CPPUNIT_ASSERT(!config.requireKey);
        CPPUNIT_ASSERT_EQUAL(60LL, static_cast<long long>(config.purgeInterval.count()));
        CPPUNIT_ASSERT(config.store == StoreKind::Memory);
        CPPUNIT_ASSERT_EQUAL(std::size_t(10000), config.maxEntries);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(67108864), config.maxBytes);
        CPPUNIT_ASSERT_EQUAL(std::string("/var/lib/portico/idempotency.db"), config.sqlitePath);
        CPPUNIT_ASSERT(!config.sqliteSynchronousFull);
    }

    void testEveryKey()
    {
        const auto config = parse({{"routes", "post /v1/a, PUT /v1/b/{id}"},
                                   {"ttl_seconds", "60"},
                                   {"in_flight_ttl_seconds", "30"},
                                   {"max_stream_bytes", "0"},
                                   {"require_key", "yes"},
                                   {"purge_interval_seconds", "5"},
                                   {"store", "SQLite"},
                                   {"max_entries", "7"},
                                   {"max_bytes", "8192"},
                                   {"sqlite_path", "/tmp/x.db"},
                                   {"sqlite_synchronous", "FULL"}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), config.routes.size());
        CPPUNIT_ASSERT(config.covers("POST", "/v1/a"));
        CPPUNIT_ASSERT(config.covers("PUT", "/v1/b/{id}"));
        CPPUNIT_ASSERT(!config.covers("POST", "/v1/embeddings"));
        // The method must match whole: no covered route has GET, and "PU" is not "PUT".
        CPPUNIT_ASSERT(!config.covers("GET", "/v1/a"));
        CPPUNIT_ASSERT(!config.covers("PU", "/v1/b/{id}"));
        CPPUNIT_ASSERT(!config.covers("PUT", "/v1/a"));
        CPPUNIT_ASSERT(config.coversMethod("POST"));
        CPPUNIT_ASSERT(config.coversMethod("PUT"));
        CPPUNIT_ASSERT(!config.coversMethod("GET"));
        CPPUNIT_ASSERT(!config.coversMethod("PU"));
        CPPUNIT_ASSERT(!config.coversMethod("POSTX"));
        CPPUNIT_ASSERT_EQUAL(60LL, static_cast<long long>(config.ttl.count()));
        CPPUNIT_ASSERT_EQUAL(30LL, static_cast<long long>(config.inFlightTtl.count()));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), config.maxStreamBytes);
        CPPUNIT_ASSERT(config.requireKey);
        CPPUNIT_ASSERT_EQUAL(5LL, static_cast<long long>(config.purgeInterval.count()));
        CPPUNIT_ASSERT(config.store == StoreKind::Sqlite);
        CPPUNIT_ASSERT_EQUAL(std::size_t(7), config.maxEntries);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(8192), config.maxBytes);
        CPPUNIT_ASSERT_EQUAL(std::string("/tmp/x.db"), config.sqlitePath);
        CPPUNIT_ASSERT(config.sqliteSynchronousFull);
    }

    void testEveryKeyIsReadWhateverTheStore()
    {
        prometheus::Registry registry;
        TestContext context({{"store", "memory"},
                             {"sqlite_path", "/tmp/unused.db"},
                             {"sqlite_synchronous", "normal"},
                             {"max_entries", "5"},
                             {"max_bytes", "5000"},
                             {"routes", "POST /x"},
                             {"ttl_seconds", "1"},
                             {"in_flight_ttl_seconds", "1"},
                             {"max_stream_bytes", "1"},
                             {"require_key", "false"},
                             {"purge_interval_seconds", "1"},
                             {"typo_key", "1"}},
                            registry);
        IdempotencyConfig::from(context.config());
        const auto unread = context.config().unreadKeys();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), unread.size());
        CPPUNIT_ASSERT_EQUAL(std::string("typo_key"), unread.front());
    }

    void testBadValuesNameTheKey()
    {
        const auto expect = [](const std::map<std::string, std::string>& values, const std::string& part) {
            const std::string message = errorOf(values);
            CPPUNIT_ASSERT_MESSAGE(message, message.find(part) != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(message, message.find("test.ini: [idempotency]") != std::string::npos);
        };
        expect({{"routes", "/v1/embeddings"}}, "routes: expected entries like 'POST /v1/embeddings'");
        expect({{"routes", "POST v1/embeddings"}}, "routes: expected entries");
        expect({{"routes", "P0ST /v1/x"}}, "is not an HTTP method");
        expect({{"ttl_seconds", "0"}}, "ttl_seconds: must be between 1");
        expect({{"ttl_seconds", "soon"}}, "ttl_seconds: expected an integer");
        expect({{"in_flight_ttl_seconds", "0"}}, "in_flight_ttl_seconds");
        expect({{"max_stream_bytes", "-1"}}, "max_stream_bytes");
        expect({{"require_key", "perhaps"}}, "require_key");
        expect({{"store", "memcached"}}, "store: unknown store 'memcached' (expected memory, sqlite or redis)");
        expect({{"redis_failure", "sometimes"}}, "redis_failure: expected fail_open or fail_closed");
        expect({{"max_entries", "0"}}, "max_entries");
        expect({{"max_bytes", "10"}}, "max_bytes");
        expect({{"store", "sqlite"}, {"sqlite_path", ""}}, "sqlite_path: must name the database file");
        expect({{"sqlite_synchronous", "off"}}, "sqlite_synchronous: expected normal or full");
        expect({{"purge_interval_seconds", "0"}}, "purge_interval_seconds");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(IdempotencyConfigTest);

} // namespace portico::idempotency::test
