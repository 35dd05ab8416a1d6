// The SQLite store in the installed porticod: answers survive kill -9 and a restart, and the
// in-flight marker of a killed process does not block the key.

#include "HttpClient.h"
#include "IntegrationSupport.h"
#include "PorticodProcess.h"
#include "TempDir.h"
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <future>
#include <thread>

namespace portico::idempotency::test {

using portico::test::HttpResult;
using portico::test::PorticodProcess;

class IdempotencySqliteIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(IdempotencySqliteIntegrationTest);
    CPPUNIT_TEST(testReplayComesFromDiskAfterKill9);
    CPPUNIT_TEST(testStreamReplayComesFromDiskAfterKill9);
    CPPUNIT_TEST(testMarkerOfAKilledProcessDoesNotBlock);
    CPPUNIT_TEST_SUITE_END();

public:
    std::string sqliteConfig() const
    {
        return porticoConfig("store = sqlite\nsqlite_path = " + dir_.file("idempotency.db") + "\n");
    }

    static void kill9(PorticodProcess& porticod)
    {
        porticod.signal(SIGKILL);
        CPPUNIT_ASSERT_EQUAL(128 + SIGKILL, porticod.waitForExit(10));
    }

    void testReplayComesFromDiskAfterKill9()
    {
        const std::string key = freshKey("durable");
        HttpResult first;
        {
            PorticodProcess before(sqliteConfig());
            first = postWithKey(before.port(), "/probe/work", "{\"input\":\"keep me\"}", key);
            CPPUNIT_ASSERT_EQUAL(200, first.status);
            kill9(before);
        }
        PorticodProcess after(sqliteConfig());
        const HttpResult replay = postWithKey(after.port(), "/probe/work", "{\"input\":\"keep me\"}", key);
        CPPUNIT_ASSERT_EQUAL(200, replay.status);
        CPPUNIT_ASSERT_EQUAL(first.body, replay.body);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), replay.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(0, executions(after.port())); // no new execution in the new process
        // The same key with another body is still refused after the restart.
        CPPUNIT_ASSERT_EQUAL(422, postWithKey(after.port(), "/probe/work", "{\"input\":\"other\"}", key).status);
    }

    void testStreamReplayComesFromDiskAfterKill9()
    {
        const std::string key = freshKey("durable-stream");
        std::string original;
        {
            PorticodProcess before(sqliteConfig());
            const HttpResult first = postWithKey(before.port(), "/probe/stream?events=6&delay_ms=10", "{}", key);
            CPPUNIT_ASSERT_EQUAL(200, first.status);
            original = first.body;
            kill9(before);
        }
        PorticodProcess after(sqliteConfig());
        const HttpResult replay = postWithKey(after.port(), "/probe/stream?events=6&delay_ms=10", "{}", key);
        CPPUNIT_ASSERT_EQUAL(original, replay.body);
        CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), replay.header("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(0, executions(after.port()));
    }

    void testMarkerOfAKilledProcessDoesNotBlock()
    {
        const std::string key = freshKey("crashed");
        {
            PorticodProcess before(sqliteConfig());
            const unsigned short port = before.port();
            auto slow = std::async(std::launch::async, [port, key] {
                try
                {
                    return postWithKey(port, "/probe/work?ms=10000", "{}", key).status;
                }
                catch (...)
                {
                    return -1; // the server was killed under it
                }
            });
            // Wait until the first request holds the key: a second one sees 409.
            bool held = false;
            for (int i = 0; i < 100 && !held; ++i)
            {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                held = postWithKey(port, "/probe/work?ms=10000", "{}", key).status == 409;
            }
            CPPUNIT_ASSERT(held);
            kill9(before);
            CPPUNIT_ASSERT_EQUAL(-1, slow.get());
        }
        PorticodProcess after(sqliteConfig());
        const HttpResult retry = postWithKey(after.port(), "/probe/work", "{}", key);
        CPPUNIT_ASSERT_EQUAL(200, retry.status); // not 409 for in_flight_ttl_seconds
        CPPUNIT_ASSERT(!retry.has("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(1, executions(after.port()));
    }

private:
    portico::test::TempDir dir_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(IdempotencySqliteIntegrationTest);

} // namespace portico::idempotency::test
