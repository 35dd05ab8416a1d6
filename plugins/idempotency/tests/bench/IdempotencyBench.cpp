// idempotency_bench: what the idempotency plugin costs a request, per store, measured through a
// real Chain, ChainRunner and ExchangeRun (no sockets, so the plugin's own work is not lost in network noise).
//
// Scenarios, each timed as microseconds per request, wall clock and the thread's CPU time (the
// median batch of 5; on a loaded machine the CPU figure is the steadier one):
//   baseline   the chain without the plugin: route + handler only
//   no key     the plugin in the chain, a request on a covered route without Idempotency-Key
//   miss       a fresh key per request: parse, SHA-256 of the body, reserve, run, store
//   hit        the same key again: parse, SHA-256, lookup, replay (the handler does not run)
// The request body is ~1 KiB of JSON, the answer ~2 KiB. The memory store is bounded at
// max_entries = 10000 so that misses past that also pay for LRU eviction.
//
// Usage: idempotency_bench [--quick] [--iterations N]

#include "ChainHarness.h"
#include "IdempotencyPlugin.h"
#include "MemorySink.h"
#include "PluginHarness.h"
#include "TempDir.h"
#include "http/Chain.h"
#include "Poco/Logger.h"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

using namespace portico;
using namespace portico::idempotency;

namespace {

const std::string RequestBody = [] {
    std::string body = "{\"model\":\"portico-embed\",\"input\":\"";
    while (body.size() < 1000)
        body += "the quick brown fox jumps over the lazy dog ";
    return body + "\"}";
}();
const std::string AnswerBody = [] {
    std::string body = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[";
    while (body.size() < 2000)
        body += "0.0123456,";
    return body + "0]}]}";
}();

std::shared_ptr<const Chain> makeChain(prometheus::Registry& registry,
                                       const portico::idempotency::test::Settings* settings)
{
    auto chain = std::make_shared<Chain>();
    if (settings)
    {
        portico::idempotency::test::TestContext context(*settings, registry);
        chain->links().push_back({"idempotency", "1", "", std::make_unique<IdempotencyPlugin>(context)});
    }
    chain->routes().add({"POST", "/v1/embeddings", [](Exchange& exchange) { exchange.respond(200, AnswerBody); }},
                        "bench");
    chain->start();
    return chain;
}

/// Wall time and this thread's CPU time, in microseconds per request.
struct Cost
{
    double wall = 0;
    double cpu = 0;
};

double threadCpuMicros()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return now.tv_sec * 1e6 + now.tv_nsec / 1e3;
}

/// Runs `count` requests; `keyFor(i)` gives the key of request i ("" for none).
template <typename KeyFor>
Cost timeRequests(const std::shared_ptr<const Chain>& chain, int count, KeyFor keyFor)
{
    const double cpuStart = threadCpuMicros();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < count; ++i)
    {
        HeaderList headers;
        const std::string key = keyFor(i);
        if (!key.empty())
            headers.add("Idempotency-Key", key);
        auto exchange = std::make_unique<Exchange>("POST", "/v1/embeddings", std::move(headers), RequestBody,
                                                   "127.0.0.1:1");
        portico::test::MemorySink sink;
        portico::test::runOnOwnLoop(chain, exchange, sink);
        if (sink.sentHead.status != 200)
        {
            std::fprintf(stderr, "unexpected status %d: %s\n", sink.sentHead.status, sink.body.c_str());
            std::exit(1);
        }
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    Cost cost;
    cost.wall = std::chrono::duration<double, std::micro>(elapsed).count() / count;
    cost.cpu = (threadCpuMicros() - cpuStart) / count;
    return cost;
}

/// The median batch (by wall time) of five.
template <typename KeyFor>
Cost median(const std::shared_ptr<const Chain>& chain, int count, KeyFor keyFor)
{
    std::vector<Cost> runs;
    for (int batch = 0; batch < 5; ++batch)
        runs.push_back(timeRequests(chain, count, [&](int i) { return keyFor(batch * count + i); }));
    std::sort(runs.begin(), runs.end(), [](const Cost& a, const Cost& b) { return a.wall < b.wall; });
    return runs[2];
}

void report(const std::string& store, const char* scenario, Cost cost, Cost baseline)
{
    std::printf("%-22s %-9s %10.2f %10.2f %+12.2f %+12.2f\n", store.c_str(), scenario, cost.wall, cost.cpu,
                cost.wall - baseline.wall, cost.cpu - baseline.cpu);
}

void benchStore(const std::string& label, const portico::idempotency::test::Settings& settings, int count,
                Cost baseline)
{
    prometheus::Registry registry;
    const auto chain = makeChain(registry, &settings);
    static int round = 0;
    const std::string prefix = "bench-" + std::to_string(++round) + "-";
    report(label, "no key", median(chain, count, [](int) { return std::string(); }), baseline);
    report(label, "miss", median(chain, count, [&](int i) { return prefix + "miss-" + std::to_string(i); }),
           baseline);
    // Hits: a set of 100 stored keys replayed round-robin.
    timeRequests(chain, 100, [&](int i) { return prefix + "hit-" + std::to_string(i); });
    report(label, "hit", median(chain, count, [&](int i) { return prefix + "hit-" + std::to_string(i % 100); }),
           baseline);
}

} // namespace

int main(int argc, char** argv)
{
    int iterations = 4000;
    for (int i = 1; i < argc; ++i)
    {
        if (std::strcmp(argv[i], "--quick") == 0)
            iterations = 50;
        else if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
            iterations = std::max(1, std::atoi(argv[++i]));
        else
        {
            std::fprintf(stderr, "usage: %s [--quick] [--iterations N]\n", argv[0]);
            return 2;
        }
    }
    Poco::Logger::root().setLevel("warning");
    portico::test::TempDir dir;
    std::printf("idempotency plugin cost: %d requests per batch, median of 5 batches, body %zu B, answer %zu B\n"
                "microseconds per request: wall and this thread's CPU; cost = minus the chain without the plugin\n",
                iterations, RequestBody.size(), AnswerBody.size());
    std::printf("%-22s %-9s %10s %10s %12s %12s\n", "store", "scenario", "wall us", "cpu us", "wall cost", "cpu cost");

    prometheus::Registry registry;
    const auto bare = makeChain(registry, nullptr);
    const Cost baseline = median(bare, iterations, [](int) { return std::string(); });
    report("(no plugin)", "baseline", baseline, baseline);

    benchStore("memory", {{"max_entries", "10000"}}, iterations, baseline);
    benchStore("sqlite (sync normal)", {{"store", "sqlite"}, {"sqlite_path", dir.file("normal.db")}}, iterations,
               baseline);
    benchStore("sqlite (sync full)",
               {{"store", "sqlite"}, {"sqlite_path", dir.file("full.db")}, {"sqlite_synchronous", "full"}},
               iterations, baseline);
    return 0;
}
