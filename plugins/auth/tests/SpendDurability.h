#pragma once
// The spend ledger survives kill -9: under load from several clients, porticod is killed; every
// request that was settled before the kill (its answer received, and the connection's next
// request served, which porticod does only once the completion hooks, the ledger's write among
// them, are over) is in the ledger the restarted porticod reports. Run on each store:
// auth_integration (SQLite), auth_redis_integration (Redis).

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "TempDir.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <atomic>
#include <chrono>
#include <cmath>
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <iostream>
#include <thread>

namespace portico::auth::test {

/// `storeLines`: the [admin] lines that choose the store (each ending in a newline), and
/// `extraSections` anything after [admin] ([redis]); `dir` holds the keys file and admin key.
inline void checkSettledSpendSurvivesKill9(portico::test::TempDir& dir, const std::string& storeLines,
                                           const std::string& extraSections = "")
{
    using namespace portico::test;
    const auto json = [](const std::string& text) {
        return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    };
    const std::string adminKey = "sk-portico-AdminDurability0123456789abcdefghijkl";
    dir.write("admin.key", adminKey + "\n");
    const unsigned short adminPort = freePort();
    const std::string config = "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = auth, openai\n[auth]\n"
                               "keys_file = " + dir.write("keys", "") + "\n[admin]\nlisten = 127.0.0.1:" +
                               std::to_string(adminPort) + "\nkey_file = " + dir.file("admin.key") +
                               "\n" + storeLines +
                               "prices.portico-echo.input = 2.5\nprices.portico-echo.output = 10\n" + extraSections;
    const std::map<std::string, std::string> admin{{"Authorization", "Bearer " + adminKey}};
    auto porticod = std::make_unique<PorticodProcess>(config);
    const HttpResult created = httpRequest(adminPort, "POST", "/admin/keys", "{}", admin);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(created.body, 201, created.status);
    const std::string id = json(created.body)->getValue<std::string>("id");
    const std::map<std::string, std::string> client{{"Authorization", "Bearer " + json(created.body)->getValue<std::string>("key")}};

    // One identical request, so every request costs the same: its usage from one answer.
    const std::string body = R"({"model":"portico-echo","messages":[{"role":"user","content":"the same words"}]})";
    const HttpResult first = httpRequestSettled(porticod->port(), "POST", "/v1/chat/completions", body, client, "/healthz");
    CPPUNIT_ASSERT_EQUAL(200, first.status);
    const auto usage = json(first.body)->getObject("usage");
    const std::int64_t costPico = usage->getValue<std::int64_t>("prompt_tokens") * 2'500'000 +
                                  usage->getValue<std::int64_t>("completion_tokens") * 10'000'000;
    CPPUNIT_ASSERT(costPico > 0);

    std::atomic<bool> stop{false};
    std::atomic<int> settled{1};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c)
        clients.emplace_back([&] {
            while (!stop)
            {
                try
                {
                    if (httpRequestSettled(porticod->port(), "POST", "/v1/chat/completions", body, client, "/healthz")
                            .status == 200 &&
                        !stop)
                        ++settled;
                }
                catch (const std::exception&)
                {
                    return; // the server is gone
                }
            }
        });
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    // Counted before the kill: a request settled after this point may or may not be counted.
    const int settledBeforeKill = settled.load();
    porticod->signal(SIGKILL);
    stop = true;
    CPPUNIT_ASSERT_EQUAL(128 + SIGKILL, porticod->waitForExit(10));
    for (auto& thread : clients)
        thread.join();
    CPPUNIT_ASSERT(settledBeforeKill > 20);

    porticod = std::make_unique<PorticodProcess>(config);
    const HttpResult shown = httpRequest(adminPort, "GET", "/admin/spend?key_id=" + id, "", admin);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(shown.body, 200, shown.status);
    const auto rows = json(shown.body)->getArray("data");
    CPPUNIT_ASSERT_EQUAL(std::size_t(1), rows->size());
    const std::int64_t requests = rows->getObject(0)->getValue<std::int64_t>("requests");
    std::cout << "\nspend after kill -9: " << settledBeforeKill << " request(s) settled before the kill, "
              << settled.load() << " in all, " << requests << " in the ledger" << std::endl;
    // Every settled request is there; a few more may be (written, but not yet answered).
    CPPUNIT_ASSERT_MESSAGE(std::to_string(requests) + " in the ledger, " + std::to_string(settledBeforeKill) +
                               " settled before the kill",
                           requests >= settledBeforeKill);
    CPPUNIT_ASSERT(requests <= settled.load() + 4);
    const double totalUsd = json(shown.body)->getValue<double>("total_usd");
    const std::int64_t expectedMicros = (requests * costPico + 500'000) / 1'000'000;
    CPPUNIT_ASSERT_EQUAL(expectedMicros, static_cast<std::int64_t>(std::llround(totalUsd * 1e6)));
}

} // namespace portico::auth::test
