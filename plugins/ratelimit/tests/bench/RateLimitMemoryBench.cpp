// ratelimit_memory_bench: what a million distinct principals cost the memory store, and proof
// that eviction keeps it bounded. Each scenario runs in its own forked child so that its
// resident set size (RSS, from /proc/self/status) is not muddied by the one before.
//
//   no_eviction   1M buckets that never refill (idle eviction off, no cap): bytes per bucket
//   refill        1M principals at 20 req/s, burst 40, one request each, 10 us apart on a
//                 manual clock: full buckets are dropped as shards sweep themselves (a shard
//                 sweeps when it reaches 1024 entries, so up to ~64k buckets are held at once)
//   capped        1M never-refilling buckets with max_buckets = 100000: the LRU safety valve
//
// Exits non-zero when a bounded scenario is not bounded. Usage: ratelimit_memory_bench [N]

#include "MemoryBucketStore.h"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace portico::ratelimit;

namespace {

long rssKiB()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0)
            return std::strtol(line.c_str() + 6, nullptr, 10);
    return -1;
}

struct Outcome
{
    long rssBeforeKiB = 0;
    long rssAfterKiB = 0;
    unsigned long buckets = 0;
    double seconds = 0;
};

Outcome runScenario(const std::string& name, long principals)
{
    auto clock = std::make_shared<ManualClock>();
    EvictionPolicy policy;
    BucketLimit limit{40, 20};
    std::chrono::nanoseconds step{0};
    if (name == "no_eviction")
    {
        policy.idleNanos = 0;
        policy.maxBuckets = std::size_t(1) << 32;
        limit = {40, 1e-9};
    }
    else if (name == "refill")
        step = std::chrono::microseconds(10);
    else // capped
    {
        policy.maxBuckets = 100'000;
        limit = {40, 1e-9};
        step = std::chrono::microseconds(10);
    }
    Outcome outcome;
    outcome.rssBeforeKiB = rssKiB();
    const auto start = std::chrono::steady_clock::now();
    {
        MemoryBucketStore store(clock, policy);
        AcquireRequest request;
        request.requests.limit = limit;
        request.requests.cost = 1;
        for (long i = 0; i < principals; ++i)
        {
            // The key the plugin builds for keying = route_principal.
            request.requests.key = "req\n/v1/chat/completions\nprincipal-" + std::to_string(i);
            store.acquire(request);
            clock->advance(step);
        }
        outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        outcome.rssAfterKiB = rssKiB();
        outcome.buckets = store.size();
    }
    return outcome;
}

/// Runs one scenario in a child and reads its outcome back through a pipe.
bool inChild(const std::string& name, long principals, Outcome& outcome)
{
    int fds[2];
    if (pipe(fds) != 0)
        return false;
    const pid_t pid = fork();
    if (pid == 0)
    {
        close(fds[0]);
        const Outcome result = runScenario(name, principals);
        const ssize_t written = write(fds[1], &result, sizeof result);
        _exit(written == sizeof result ? 0 : 1);
    }
    close(fds[1]);
    const ssize_t got = read(fds[0], &outcome, sizeof outcome);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return got == sizeof outcome && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

} // namespace

int main(int argc, char** argv)
{
    const long principals = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    std::printf("ratelimit memory store, %ld distinct principals\n", principals);
    std::printf("%-12s %10s %12s %14s %8s\n", "scenario", "held", "RSS growth", "bytes/bucket", "seconds");
    bool bounded = true;
    for (const std::string name : {"no_eviction", "refill", "capped"})
    {
        Outcome outcome;
        if (!inChild(name, principals, outcome))
        {
            std::printf("%-12s failed\n", name.c_str());
            return 1;
        }
        const double growthMiB = (outcome.rssAfterKiB - outcome.rssBeforeKiB) / 1024.0;
        // Bytes per bucket only means something when every bucket is still held.
        char perBucket[32] = "-";
        if (name == "no_eviction" && outcome.buckets)
            std::snprintf(perBucket, sizeof perBucket, "%.0f",
                          (outcome.rssAfterKiB - outcome.rssBeforeKiB) * 1024.0 / outcome.buckets);
        std::printf("%-12s %10lu %9.1f MiB %14s %8.2f\n", name.c_str(), outcome.buckets, growthMiB, perBucket,
                    outcome.seconds);
        if (name == "refill" && (outcome.buckets > 70'000 || growthMiB > 16))
            bounded = false;
        if (name == "capped" && (outcome.buckets > 100'000 || growthMiB > 32))
            bounded = false;
    }
    std::printf(bounded ? "bounded: yes\n" : "bounded: NO\n");
    return bounded ? 0 : 1;
}
