// The catalog's shared state under concurrent use, as the event loops use it (run under TSan in
// CI, label concurrency): threads pick, fail, succeed and abandon on one Router while
// deployments cool down, go half-open and come back, and another thread reads GET /routing's
// view. Afterwards nothing is left in flight and no probe is left taken.

#include "RoutingTestCatalog.h"
#include <atomic>
#include <iostream>
#include <random>
#include <thread>

using namespace portico::openai;
using namespace portico::openai::test;
using std::chrono::microseconds;
using std::chrono::milliseconds;

class RouterConcurrencyTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RouterConcurrencyTest);
    CPPUNIT_TEST(testConcurrentPicksAndVerdicts);
    CPPUNIT_TEST_SUITE_END();

public:
    void testConcurrentPicksAndVerdicts()
    {
        Catalog catalog(Upstreams + "models.chat.deployments = a:m, b:m, c:m, a:n\n"
                                    "models.busy.deployments = a:m, b:m\n"
                                    "models.busy.strategy = least_busy\n"
                                    "routing.allowed_fails = 2\n"
                                    "routing.failure_window_ms = 5\n"
                                    "routing.cooldown_ms = 1\n");
        const ModelGroup* groups[] = {&catalog.group("chat"), &catalog.group("busy")};
        constexpr int Threads = 4;
        // Long enough for hundreds of cooldown cycles (1 ms each), bounded.
        const auto end = Clock::now() + milliseconds(300);
        std::atomic<long> iterations{0};
        std::atomic<long> picked{0};
        std::atomic<long> probes{0};
        std::atomic<long> verdicts{0};
        std::atomic<bool> done{false};
        std::atomic<long> views{0};
        std::atomic<bool> emptyView{false};
        std::thread viewer([&] {
            // No CppUnit assertion off the test's thread: it would throw there.
            while (!done.load())
            {
                if (catalog.router->view(Clock::now()).find("\"deployments\"") == std::string::npos)
                    emptyView = true;
                ++views;
            }
        });
        std::vector<std::thread> threads;
        for (int t = 0; t < Threads; ++t)
            threads.emplace_back([&, t] {
                std::minstd_rand random(static_cast<unsigned>(t + 1));
                while (Clock::now() < end)
                {
                    ++iterations;
                    const ModelGroup& group = *groups[random() % 2];
                    bool probe = false;
                    std::vector<const Deployment*> tried;
                    Deployment* d = catalog.router->pick(group, tried, Clock::now(), &probe);
                    if (!d)
                        continue;
                    ++picked;
                    if (probe)
                        ++probes;
                    switch (random() % 3)
                    {
                    case 0: d->state.succeeded(microseconds(random() % 1000), probe); break;
                    case 1: d->state.failed(Clock::now(), milliseconds(random() % 2), probe); break;
                    default: d->state.abandoned(probe); break;
                    }
                    ++verdicts;
                    d->state.finished(static_cast<std::int64_t>(random() % 50));
                }
            });
        for (auto& thread : threads)
            thread.join();
        done = true;
        viewer.join();

        CPPUNIT_ASSERT(!emptyView.load());
        CPPUNIT_ASSERT(views.load() > 0);
        // Deployments spend most of the run cooling (2 failures in 5 ms rest them): what counts
        // is that every path ran, healthy picks and half-open probes alike.
        std::cout << "\n  " << picked.load() << " of " << iterations.load() << " picks found a deployment ("
                  << probes.load() << " probes), " << views.load() << " views" << std::flush;
        CPPUNIT_ASSERT(picked.load() > probes.load());
        CPPUNIT_ASSERT(probes.load() > 0);
        CPPUNIT_ASSERT_EQUAL(picked.load(), verdicts.load());
        for (const auto& d : catalog.router->deployments())
            CPPUNIT_ASSERT_EQUAL(0, d->state.inFlight());
        // Once every cooldown is over, each deployment takes a request again: no probe was left
        // taken by a request that ended.
        std::this_thread::sleep_for(milliseconds(5));
        for (const auto& d : catalog.router->deployments())
        {
            const Claim claim = d->state.claim(Clock::now());
            CPPUNIT_ASSERT_MESSAGE(d->config.name, static_cast<bool>(claim));
            d->state.succeeded(microseconds(1), claim.probe);
            d->state.finished(0);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RouterConcurrencyTest);
