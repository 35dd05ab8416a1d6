// auth against the installed porticod over real sockets: 401 shapes with every plugin's headers,
// principals in the access log, exempt paths, SIGHUP re-reading the keys file (a malformed file
// refuses the reload and the old keys stay), an unreadable keys file making it not ready, and
// keys never reaching porticod's output.

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "TempDir.h"
#include "Poco/DigestEngine.h"
#include "Poco/File.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include "Poco/SHA2Engine.h"
#include <chrono>
#include <csignal>
#include <cppunit/extensions/HelperMacros.h>
#include <thread>

using namespace portico::test;

namespace {

const std::string AliceKey = "sk-portico-IntegrationAlice0123456789abcdefghijkl";
const std::string BobKey = "sk-portico-IntegrationBob0123456789abcdefghijklmn";
const std::string WrongKey = "sk-portico-IntegrationWrong0123456789abcdefghijk";

std::string line(const std::string& principal, const std::string& key)
{
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(key);
    return principal + " sha256:" + Poco::DigestEngine::digestToHex(engine.digest());
}

std::string config(const std::string& keysFile, const std::string& authExtra = "")
{
    return "[server]\nlisten = 127.0.0.1:{port}\nlog_level = debug\n"
           "[plugins]\npath = {plugins}\norder = tracing, security, auth, probe_a\n"
           "[auth]\nkeys_file = " +
           keysFile + "\n" + authExtra +
           "[probe_a]\nroutes = true\n"
           "[log]\naccess = file\naccess_file = {dir}/access.log\n";
}

std::map<std::string, std::string> bearer(const std::string& key)
{
    return {{"Authorization", "Bearer " + key}};
}

void assertContains(const std::string& haystack, const std::string& needle)
{
    CPPUNIT_ASSERT_MESSAGE("expected \"" + needle + "\" in:\n" + haystack, haystack.find(needle) != std::string::npos);
}

/// Sends SIGHUP and waits for the reload's verdict ("reloaded" or "reload refused") to appear
/// `count` times in the output.
bool reload(PorticodProcess& porticod, const std::string& verdict, int count)
{
    porticod.signal(SIGHUP);
    for (int i = 0; i < 100; ++i)
    {
        const std::string out = porticod.output();
        int seen = 0;
        for (auto at = out.find(verdict); at != std::string::npos; at = out.find(verdict, at + 1))
            ++seen;
        if (seen >= count)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

} // namespace

class AuthIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(AuthIntegrationTest);
    CPPUNIT_TEST(testKeysPrincipalsAndAnswers);
    CPPUNIT_TEST(testReloadRereadsKeysAndRefusesAMalformedFile);
    CPPUNIT_TEST(testUnreadableKeysFileIsNotReady);
    CPPUNIT_TEST(testMalformedKeysFileRefusesTheStart);
    CPPUNIT_TEST_SUITE_END();

public:
    void testKeysPrincipalsAndAnswers()
    {
        TempDir keys;
        const std::string keysFile = keys.write("keys", "# integration\n" + line("alice", AliceKey) + "\n");
        PorticodProcess porticod(config(keysFile, "exempt = /healthz, /readyz, /probe_a/slow\n"));

        const HttpResult missing = httpRequest(porticod.port(), "GET", "/probe_a/stream?events=1");
        CPPUNIT_ASSERT_EQUAL(401, missing.status);
        CPPUNIT_ASSERT_EQUAL(std::string("Bearer"), missing.header("WWW-Authenticate"));
        assertContains(missing.body, "You didn't provide an API key.");
        // The 401 went through the response-head hooks of the outer plugins.
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), missing.header("X-Trace-Id").size());
        CPPUNIT_ASSERT_EQUAL(std::string("nosniff"), missing.header("X-Content-Type-Options"));
        CPPUNIT_ASSERT(missing.header("Content-Type").find("application/json") == 0);

        const HttpResult wrong = httpRequest(porticod.port(), "POST", "/probe_a/echo", "{}", bearer(WrongKey));
        CPPUNIT_ASSERT_EQUAL(401, wrong.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":"
                                         "\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}"),
                             wrong.body);
        CPPUNIT_ASSERT_EQUAL(std::string("Bearer"), wrong.header("WWW-Authenticate"));

        const HttpResult ok = httpRequest(porticod.port(), "POST", "/probe_a/echo", "{\"hello\":1}", bearer(AliceKey));
        CPPUNIT_ASSERT_EQUAL(200, ok.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"hello\":1}"), ok.body);

        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", "/healthz").status);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", "/readyz").status);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", "/probe_a/slow?ms=1").status);
        // An unknown path needs a key too: a 401, not a 404 that tells what exists.
        CPPUNIT_ASSERT_EQUAL(401, httpRequest(porticod.port(), "GET", "/v1/nothing-here").status);

        // The access log carries the principal of the accepted request, null for the others. A
        // line is written once the answer is out: wait for the last request's.
        std::string access;
        for (int i = 0; i < 50 && access.find("/v1/nothing-here") == std::string::npos; ++i)
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            access = readFile(porticod.dir().file("access.log"));
        }
        bool sawAlice = false;
        int lines = 0;
        std::size_t start = 0;
        while (start < access.size())
        {
            const std::size_t end = access.find('\n', start);
            const std::string text = access.substr(start, end - start);
            start = end == std::string::npos ? access.size() : end + 1;
            if (text.empty())
                continue;
            ++lines;
            Poco::JSON::Object::Ptr entry = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
            if (entry->getValue<int>("status") == 200 && entry->getValue<std::string>("path") == "/probe_a/echo")
            {
                CPPUNIT_ASSERT_EQUAL(std::string("alice"), entry->getValue<std::string>("principal"));
                sawAlice = true;
            }
            if (entry->getValue<int>("status") == 401)
                CPPUNIT_ASSERT(entry->isNull("principal"));
        }
        CPPUNIT_ASSERT(lines >= 7); // and the /healthz polls of the start-up wait
        CPPUNIT_ASSERT(sawAlice);

        // The keys never reach porticod's output, whatever the log level (debug here).
        const std::string out = porticod.output() + access;
        CPPUNIT_ASSERT(out.find(AliceKey) == std::string::npos);
        CPPUNIT_ASSERT(out.find(WrongKey) == std::string::npos);
        assertContains(porticod.output(), "401 for POST /probe_a/echo from 127.0.0.1");
    }

    void testReloadRereadsKeysAndRefusesAMalformedFile()
    {
        TempDir keys;
        const std::string keysFile = keys.write("keys", line("alice", AliceKey) + "\n");
        PorticodProcess porticod(config(keysFile));
        const std::string path = "/probe_a/slow?ms=1";
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", path, "", bearer(AliceKey)).status);
        CPPUNIT_ASSERT_EQUAL(401, httpRequest(porticod.port(), "GET", path, "", bearer(BobKey)).status);

        // Bob's key is added: a SIGHUP makes it valid.
        keys.write("keys", line("alice", AliceKey) + "\n" + line("bob", BobKey) + "\n");
        CPPUNIT_ASSERT(reload(porticod, "reloaded", 1));
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", path, "", bearer(BobKey)).status);

        // A malformed line: the reload is refused, naming the line, and the keys stay as they were.
        keys.write("keys", "# broken edit\n" + line("carol", WrongKey) + "\nbob " + BobKey + "\n");
        CPPUNIT_ASSERT(reload(porticod, "reload refused", 1));
        assertContains(porticod.output(), keysFile + ":3:");
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", path, "", bearer(AliceKey)).status);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", path, "", bearer(BobKey)).status);
        CPPUNIT_ASSERT_EQUAL(401, httpRequest(porticod.port(), "GET", path, "", bearer(WrongKey)).status);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", "/readyz").status);

        // A deleted keys file: refused too; the old keys stay.
        Poco::File(keysFile).remove();
        CPPUNIT_ASSERT(reload(porticod, "reload refused", 2));
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", path, "", bearer(BobKey)).status);

        // Fixed: Alice's key is revoked, Carol's added.
        keys.write("keys", line("bob", BobKey) + "\n" + line("carol", WrongKey) + "\n");
        CPPUNIT_ASSERT(reload(porticod, "reloaded", 2));
        CPPUNIT_ASSERT_EQUAL(401, httpRequest(porticod.port(), "GET", path, "", bearer(AliceKey)).status);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", path, "", bearer(WrongKey)).status);
        // The pasted plaintext key of the refused file never reached the log.
        CPPUNIT_ASSERT(porticod.output().find(BobKey) == std::string::npos);
    }

    void testUnreadableKeysFileIsNotReady()
    {
        TempDir keys;
        PorticodProcess porticod(config(keys.file("not-there")));
        const HttpResult ready = httpRequest(porticod.port(), "GET", "/readyz");
        CPPUNIT_ASSERT_EQUAL(503, ready.status);
        assertContains(ready.body, "auth: cannot read keys file " + keys.file("not-there"));
        const HttpResult refused = httpRequest(porticod.port(), "GET", "/probe_a/slow?ms=1", "", bearer(AliceKey));
        CPPUNIT_ASSERT_EQUAL(503, refused.status);
        assertContains(refused.body, "keys_unavailable");

        // The file appears; a SIGHUP makes porticod ready.
        keys.write("not-there", line("alice", AliceKey) + "\n");
        CPPUNIT_ASSERT(reload(porticod, "reloaded", 1));
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", "/readyz").status);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", "/probe_a/slow?ms=1", "", bearer(AliceKey)).status);
    }

    void testMalformedKeysFileRefusesTheStart()
    {
        TempDir dir;
        const std::string keysFile = dir.write("keys", line("alice", AliceKey) + "\n\nalice sha256:0123\n");
        const std::string configFile = dir.write("portico.ini", "[server]\nlisten = 127.0.0.1:" + std::to_string(freePort()) +
                                                                    "\n[plugins]\norder = auth\n[auth]\nkeys_file = " + keysFile + "\n");
        const CommandResult result = runPorticod({"--config=" + configFile, "--check-config"});
        CPPUNIT_ASSERT_EQUAL(78, result.exitCode);
        assertContains(result.output, keysFile + ":3: expected exactly 64 lowercase hex digits");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuthIntegrationTest);
