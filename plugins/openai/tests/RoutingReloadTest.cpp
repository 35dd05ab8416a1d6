// The model catalog across a SIGHUP (routing/README.md), with the installed porticod: the new
// catalog applies, a stream in flight through the old one completes, a deployment whose settings
// did not change keeps its cooldown, and one whose settings changed starts healthy.

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "TestAsserts.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <csignal>
#include <future>
#include <string>
#include <thread>

using namespace portico::test;

namespace {

/// A catalog where "chat" tries the deployment "dead" (a closed port) first: with strategy
/// latency an unmeasured deployment goes first, and "dead" never gets measured. One failure
/// rests it for a minute. `extra` is appended to the [openai] section.
std::string config(unsigned short deadPort, const std::string& deadModel, const std::string& extra)
{
    return "[server]\nlisten = 127.0.0.1:{port}\n"
           "[plugins]\npath = {plugins}\norder = openai\n"
           "[openai]\nlocal.token_delay_ms = 20\n"
           "upstreams.gone.url = http://127.0.0.1:" +
           std::to_string(deadPort) +
           "/v1\n"
           "deployments.dead.upstream = gone\n"
           "deployments.dead.model = " +
           deadModel +
           "\n"
           "models.chat.deployments = dead, local:portico-echo\n"
           "models.chat.strategy = latency\n"
           "routing.allowed_fails = 1\n"
           "routing.cooldown_ms = 60000\n" +
           extra;
}

Poco::JSON::Object::Ptr routing(unsigned short port)
{
    const HttpResult result = httpRequest(port, "GET", "/routing");
    CPPUNIT_ASSERT_EQUAL(200, result.status);
    return Poco::JSON::Parser().parse(result.body).extract<Poco::JSON::Object::Ptr>();
}

/// The state of deployment `name` in GET /routing.
std::string stateOf(unsigned short port, const std::string& name)
{
    const auto deployments = routing(port)->getArray("deployments");
    for (std::size_t i = 0; i < deployments->size(); ++i)
        if (deployments->getObject(i)->getValue<std::string>("name") == name)
            return deployments->getObject(i)->getValue<std::string>("state");
    CPPUNIT_FAIL("no deployment '" + name + "' in GET /routing");
    return "";
}

HttpResult chat(unsigned short port, const std::string& model, bool stream, int words)
{
    std::string text;
    for (int i = 0; i < words; ++i)
        text += "word ";
    return httpRequest(port, "POST", "/v1/chat/completions",
                       R"({"model":")" + model + R"(","stream":)" + (stream ? "true" : "false") +
                           R"(,"messages":[{"role":"user","content":")" + text + R"("}]})",
                       {{"Content-Type", "application/json"}}, 30);
}

/// Waits until the log says the reload (`count`-th "reloaded" line) is done.
bool reloaded(PorticodProcess& porticod, std::size_t count)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline)
    {
        const std::string out = porticod.output();
        std::size_t seen = 0;
        for (auto at = out.find("reloaded "); at != std::string::npos; at = out.find("reloaded ", at + 1))
            ++seen;
        if (seen >= count)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

} // namespace

class RoutingReloadTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RoutingReloadTest);
    CPPUNIT_TEST(testReloadKeepsUnchangedDeploymentsState);
    CPPUNIT_TEST_SUITE_END();

public:
    void testReloadKeepsUnchangedDeploymentsState()
    {
        const unsigned short deadPort = freePort(); // nothing listens there
        PorticodProcess porticod(config(deadPort, "m1", ""));

        // The first request fails over from "dead" (refused) to the local model; "dead" rests.
        const HttpResult first = chat(porticod.port(), "chat", false, 1);
        CPPUNIT_ASSERT_EQUAL(200, first.status);
        CPPUNIT_ASSERT_EQUAL(std::string("2"), first.header("X-Portico-Attempts"));
        CPPUNIT_ASSERT_EQUAL(std::string("cooling"), stateOf(porticod.port(), "dead"));
        const HttpResult rested = chat(porticod.port(), "chat", false, 1);
        CPPUNIT_ASSERT_EQUAL(std::string("1"), rested.header("X-Portico-Attempts"));

        // A stream of 60 tokens at 20 ms (~1.2 s) runs through the old chain across the reload.
        auto inFlight = std::async(std::launch::async, [&] { return chat(porticod.port(), "chat", true, 60); });
        std::this_thread::sleep_for(std::chrono::milliseconds(200));

        // The new catalog adds an alias; "dead" is unchanged.
        porticod.rewriteConfig(config(deadPort, "m1", "models.extra.alias_of = portico-echo\n"));
        porticod.signal(SIGHUP);
        CPPUNIT_ASSERT(reloaded(porticod, 1));
        CPPUNIT_ASSERT_EQUAL(std::string("cooling"), stateOf(porticod.port(), "dead"));
        const HttpResult alias = chat(porticod.port(), "extra", false, 1);
        CPPUNIT_ASSERT_EQUAL(200, alias.status);
        CPPUNIT_ASSERT_EQUAL(std::string("1"), chat(porticod.port(), "chat", false, 1).header("X-Portico-Attempts"));

        const HttpResult stream = inFlight.get();
        CPPUNIT_ASSERT_EQUAL(200, stream.status);
        PORTICO_ASSERT_CONTAINS(stream.body, "data: [DONE]");

        // "dead" sends another model now: a new deployment as far as its state goes.
        porticod.rewriteConfig(config(deadPort, "m2", "models.extra.alias_of = portico-echo\n"));
        porticod.signal(SIGHUP);
        CPPUNIT_ASSERT(reloaded(porticod, 2));
        CPPUNIT_ASSERT_EQUAL(std::string("healthy"), stateOf(porticod.port(), "dead"));
        CPPUNIT_ASSERT_EQUAL(std::string("2"), chat(porticod.port(), "chat", false, 1).header("X-Portico-Attempts"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RoutingReloadTest);
