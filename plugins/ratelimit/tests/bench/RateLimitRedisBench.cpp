// ratelimit_redis_bench: what one rate-limit decision costs on the Redis store against the
// memory store, measured on the stores themselves (no HTTP), with a private redis-server on
// 127.0.0.1 (loopback: the floor of a real deployment, where the network adds its round trip).
//
//   memory  / redis          one request bucket per decision, 1000 principals round robin
//   memory+ / redis+         plus a token bucket (the two-bucket script)
//   redis PING               the round trip alone through the same pool, for reference
//   redis x8                 8 threads on a pool of 8: decisions per second under concurrency
//
// Prints mean, p50 and p99 per decision in microseconds. Usage: ratelimit_redis_bench [--quick]

#include "MemoryBucketStore.h"
#include "RedisBucketStore.h"
#include "RedisServer.h"
#include "TestPluginContext.h"
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

using namespace portico;
using namespace portico::ratelimit;
using WallClock = std::chrono::steady_clock;

namespace {

struct Stats
{
    double meanUs = 0;
    double p50Us = 0;
    double p99Us = 0;
};

Stats measure(int count, const std::function<void(int)>& decide)
{
    for (int i = 0; i < count / 10; ++i) // warm-up: connections, script load, allocations
        decide(i);
    std::vector<double> samples(static_cast<std::size_t>(count));
    const auto start = WallClock::now();
    for (int i = 0; i < count; ++i)
    {
        const auto before = WallClock::now();
        decide(i);
        samples[static_cast<std::size_t>(i)] = std::chrono::duration<double, std::micro>(WallClock::now() - before).count();
    }
    const double total = std::chrono::duration<double, std::micro>(WallClock::now() - start).count();
    std::sort(samples.begin(), samples.end());
    return {total / count, samples[samples.size() / 2], samples[samples.size() * 99 / 100]};
}

AcquireRequest decision(int i, bool tokens)
{
    const std::string principal = "principal-" + std::to_string(i % 1000);
    AcquireRequest request;
    request.requests = {"req\n/v1/chat/completions\n" + principal, BucketLimit{1e9, 1e9}, 1};
    if (tokens)
        request.tokens = BucketCharge{"tok\n" + principal, BucketLimit{1e12, 1e12}, 250};
    return request;
}

/// The ratio is of medians: on a busy machine the means of sub-microsecond work are mostly
/// preemption.
void print(const char* name, const Stats& stats, double memoryMedian)
{
    std::printf("%-14s %10.2f %10.2f %10.2f %10.1fx\n", name, stats.meanUs, stats.p50Us, stats.p99Us,
                memoryMedian > 0 ? stats.p50Us / memoryMedian : 1.0);
}

} // namespace

int main(int argc, char** argv)
{
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const int count = quick ? 2000 : 50000;
    portico::test::RedisServer server;
    portico::test::TestPluginContext context("[redis]\nurl = " + server.url() + "\npool_size = 8\n", "redis");
    auto pool = std::make_shared<RedisPool>(RedisSettings::from(context.config()));
    MemoryBucketStore memory(std::make_shared<SteadyClock>());
    RedisBucketStore redis(pool, "portico:ratelimit:", std::chrono::milliseconds(3600000));

    std::printf("decisions: %d per row, 1000 principals; redis-server on 127.0.0.1:%u\n\n", count, server.port());
    std::printf("%-14s %10s %10s %10s %11s\n", "store", "mean us", "p50 us", "p99 us", "p50/memory");
    const Stats mem = measure(count, [&](int i) { memory.acquire(decision(i, false)); });
    print("memory", mem, mem.p50Us);
    const Stats memTokens = measure(count, [&](int i) { memory.acquire(decision(i, true)); });
    print("memory+tokens", memTokens, memTokens.p50Us);
    const Stats red = measure(count, [&](int i) { redis.acquire(decision(i, false)); });
    print("redis", red, mem.p50Us);
    const Stats redTokens = measure(count, [&](int i) { redis.acquire(decision(i, true)); });
    print("redis+tokens", redTokens, memTokens.p50Us);
    const Stats ping = measure(count, [&](int) { pool->execute(Poco::Redis::Array() << "PING"); });
    print("redis PING", ping, mem.p50Us);

    constexpr int Threads = 8;
    std::atomic<int> next{0};
    const auto start = WallClock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < Threads; ++t)
        threads.emplace_back([&] {
            for (int i; (i = next.fetch_add(1)) < count;)
                redis.acquire(decision(i, false));
        });
    for (auto& thread : threads)
        thread.join();
    const double seconds = std::chrono::duration<double>(WallClock::now() - start).count();
    std::printf("\nredis x%d threads (pool 8): %.0f decisions/s\n", Threads, count / seconds);
    return 0;
}
