// portico-keys (the installed CLI) over the key store of a running porticod: a key it creates
// works, a policy it changes and a revocation it makes reach porticod within a second, and bad
// input gets the documented exit codes.

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "TempDir.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <chrono>
#include <cppunit/extensions/HelperMacros.h>
#include <functional>
#include <thread>

using namespace portico::test;

namespace {

CommandResult keysCli(const std::string& store, std::vector<std::string> args)
{
    args.insert(args.begin(), "--store=" + store);
    return runProgram(stageDir() + "/sbin/portico-keys", args);
}

/// The JSON object on the output's first line (stderr's note comes after it).
Poco::JSON::Object::Ptr firstLineJson(const std::string& output)
{
    return Poco::JSON::Parser().parse(output.substr(0, output.find('\n'))).extract<Poco::JSON::Object::Ptr>();
}

/// True once `check` holds, asked every 50 ms for at most `limit`.
bool within(std::chrono::milliseconds limit, const std::function<bool()>& check)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;)
    {
        if (check())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

} // namespace

class KeysCliIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(KeysCliIntegrationTest);
    CPPUNIT_TEST(testKeysMadeAndChangedByTheCliReachARunningPorticod);
    CPPUNIT_TEST(testBadInputGetsItsExitCode);
    CPPUNIT_TEST_SUITE_END();

public:
    void testKeysMadeAndChangedByTheCliReachARunningPorticod()
    {
        TempDir dir;
        const std::string store = dir.file("keys.db");
        const CommandResult created = keysCli(store, {"create", R"({"models":["portico-echo"],"metadata":{"team":"cli"}})"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(created.output, 0, created.exitCode);
        const auto answer = firstLineJson(created.output);
        const std::string id = answer->getValue<std::string>("id");
        const std::string key = answer->getValue<std::string>("key");
        CPPUNIT_ASSERT_EQUAL(std::size_t(54), key.size());

        PorticodProcess porticod("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = auth, openai\n[auth]\n"
                                 "keys_file = " + dir.write("keys", "") + "\n[admin]\nstore = " + store + "\n");
        const std::map<std::string, std::string> auth{{"Authorization", "Bearer " + key}};
        const std::string echo = R"({"model":"portico-echo","messages":[{"role":"user","content":"hi"}]})";
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "POST", "/v1/chat/completions", echo, auth).status);

        const CommandResult updated = keysCli(store, {"update", id, R"({"models":["portico-embed"]})"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(updated.output, 0, updated.exitCode);
        CPPUNIT_ASSERT(within(std::chrono::milliseconds(1000), [&] {
            return httpRequest(porticod.port(), "POST", "/v1/chat/completions", echo, auth).status == 403;
        }));

        const CommandResult revoked = keysCli(store, {"revoke", id});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(revoked.output, 0, revoked.exitCode);
        CPPUNIT_ASSERT(firstLineJson(revoked.output)->getValue<bool>("revoked"));
        CPPUNIT_ASSERT(within(std::chrono::milliseconds(1000), [&] {
            const HttpResult result = httpRequest(porticod.port(), "GET", "/v1/models", "", auth);
            return result.status == 401 && result.body.find("revoked_api_key") != std::string::npos;
        }));
        CPPUNIT_ASSERT(porticod.output().find("reloaded 1 virtual key(s)") != std::string::npos);

        const CommandResult listed = keysCli(store, {"list"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(listed.output, 0, listed.exitCode);
        CPPUNIT_ASSERT(listed.output.find(id) != std::string::npos);
        CPPUNIT_ASSERT(listed.output.find(key) == std::string::npos); // the key is shown once only
        CPPUNIT_ASSERT(porticod.output().find(key) == std::string::npos);
    }

    void testBadInputGetsItsExitCode()
    {
        TempDir dir;
        const std::string store = dir.file("keys.db");
        CPPUNIT_ASSERT_EQUAL(64, keysCli(store, {}).exitCode);
        CPPUNIT_ASSERT_EQUAL(64, keysCli(store, {"show"}).exitCode);
        CPPUNIT_ASSERT_EQUAL(64, keysCli(store, {"frobnicate"}).exitCode);
        const CommandResult badPolicy = keysCli(store, {"create", R"({"rpm":-5})"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(badPolicy.output, 65, badPolicy.exitCode);
        CPPUNIT_ASSERT(badPolicy.output.find("rpm") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(1, keysCli(store, {"show", "vk_000000000000000000000000"}).exitCode);
        CPPUNIT_ASSERT_EQUAL(1, keysCli(store, {"revoke", "not-an-id"}).exitCode);
        const CommandResult noDirectory = runProgram(stageDir() + "/sbin/portico-keys",
                                                     {"--store=" + dir.file("missing/keys.db"), "list"});
        CPPUNIT_ASSERT_EQUAL(69, noDirectory.exitCode);
        CPPUNIT_ASSERT(noDirectory.output.find("missing") != std::string::npos);
        // The store of a config's [admin] section.
        const std::string config = dir.write("portico.ini", "[admin]\nstore = " + store + "\n");
        const CommandResult viaConfig = runProgram(stageDir() + "/sbin/portico-keys", {"--config", config, "list"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(viaConfig.output, 0, viaConfig.exitCode);
        CPPUNIT_ASSERT(viaConfig.output.find("\"object\":\"list\"") != std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(KeysCliIntegrationTest);
