// routing_pick_bench: what choosing a deployment costs, for the model catalog issue's "Done
// when": "choosing a deployment costs under 1 µs with 100 groups of 10 deployments".
//
// One Router per strategy (weighted, least_busy, latency), each built as UpstreamRouting builds
// it (an [openai] section read by readUpstreamConfigs and readRoutingConfig, an UpstreamProxy,
// TestPluginContext; the upstreams' addresses are never connected to): 10 upstreams and 100
// public models of 10 inline deployments each, one per upstream. One choice is what a request
// pays for it:
//   Router::find(name)                            the public name from the request's body
//   Clock::now() + Router::pick(group, {}, now)   the strategy over the group, the claim
//   DeploymentState::succeeded(ttfb) + finished   the release, as a request that went well
// cycling through the 100 names in a shuffled order (so the map lookups do not walk in order);
// time-to-first-byte samples vary (200-999 µs), so the latency strategy's choice moves.
//
// Timed as nanoseconds per choice, wall clock and the thread's CPU time, in rounds: each round
// runs every strategy once on one thread, then on 2 threads at once (both cycling through the
// same names, so they share the deployments' atomics: the contended case of two event loops),
// the strategies' order rotated every round. Printed: the median over the rounds (min and max
// beside it) and "target < 1000 ns: ok/MISSED" on the median wall figure; the 2-thread figure
// is each thread's own ns per choice (the mean of the two threads), not a throughput.
// Threads are pinned, the first to the first CPU the process may run on, the second to the
// second (taskset -c 0,1: the single thread on CPU 0, the pair on 0 and 1), or to the CPUs
// --cpus=A,B names; --no-pin leaves them to the scheduler.
//
// Besides the table, one line per figure for tests/bench (the `routing` scenario):
//   pick strategy=weighted threads=1 groups=100 deployments=10 rounds=9 iterations=200000
//        median_ns=… min_ns=… max_ns=… cpu_median_ns=…
// Nothing is asserted about the times: the exit status is 1 only when a pick found no
// deployment (a broken catalog), 2 for bad arguments.
//
// Usage: routing_pick_bench [--quick] [--rounds N] [--iterations N] [--cpus=A,B | --no-pin]

#include "../tests/CatalogRouter.h"
#include "routing/Router.h"
#include "routing/RoutingConfig.h"
#include "upstream/UpstreamConfig.h"
#include "upstream/UpstreamProxy.h"
#include "Poco/Logger.h"
#include <pthread.h>
#include <sched.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace portico::openai;
using Clock = Router::Clock;

namespace {

constexpr int Groups = 100;
constexpr int DeploymentsPerGroup = 10;
constexpr double TargetNs = 1000;

const char* const StrategyNames[] = {"weighted", "least_busy", "latency"};
constexpr int StrategyCount = 3;

std::string groupName(int group)
{
    char name[16];
    std::snprintf(name, sizeof name, "model-%03d", group);
    return name;
}

/// The [openai] section: 10 upstreams, 100 groups of 10 inline deployments (deployment k of a
/// group on upstream k), all with `strategy`. The models sent carry the strategy's name, so
/// that the three Routers' deployments are distinct (Router shares a deployment's state with
/// any other Router's deployment of the same name, upstream and model: a reload's takeover).
std::string catalogText(const std::string& strategy)
{
    std::ostringstream ini;
    ini << "[openai]\n";
    for (int k = 0; k < DeploymentsPerGroup; ++k)
        ini << "upstreams.u" << k << ".url = http://127.0.0.1:9/u" << k << "/v1\n";
    for (int g = 0; g < Groups; ++g)
    {
        const std::string id = groupName(g);
        ini << "models." << id << ".deployments = ";
        for (int k = 0; k < DeploymentsPerGroup; ++k)
            ini << (k ? ", " : "") << 'u' << k << ':' << strategy << '-' << g << '-' << k;
        ini << "\nmodels." << id << ".strategy = " << strategy << "\n";
    }
    return ini.str();
}

/// A Router as UpstreamRouting builds one (the tests' CatalogRouter).
struct Catalog : test::CatalogRouter
{
    explicit Catalog(const std::string& strategy) : CatalogRouter(catalogText(strategy)) {}
};

double threadCpuNs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

struct Cost
{
    double wall = 0; ///< ns per choice
    double cpu = 0;  ///< ns of this thread's CPU time per choice
};

std::atomic<bool> pickFailed{false};
std::atomic<bool> pinFailed{false};
/// Keeps the loop's results observable.
std::atomic<std::uintptr_t> sink{0};

/// `iterations` choices from `router`, cycling through `names`; `seed` seeds the first-byte times.
Cost choose(const Router& router, const std::vector<std::string>& names, std::size_t iterations, std::uint64_t seed)
{
    const std::vector<const Deployment*> none;
    std::uint64_t random = seed | 1;
    std::uintptr_t chosen = 0;
    std::size_t at = 0;
    const double cpuStart = threadCpuNs();
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < iterations; ++i)
    {
        const std::string& name = names[at];
        if (++at == names.size())
            at = 0;
        const ModelGroup* group = router.find(name);
        if (!group)
        {
            pickFailed = true;
            break;
        }
        bool probe = false;
        Deployment* deployment = router.pick(*group, none, Clock::now(), &probe);
        if (!deployment)
        {
            pickFailed = true;
            break;
        }
        random ^= random >> 12;
        random ^= random << 25;
        random ^= random >> 27;
        deployment->state.succeeded(std::chrono::microseconds(200 + static_cast<long>(random % 800)), probe);
        deployment->state.finished(0);
        chosen += reinterpret_cast<std::uintptr_t>(deployment);
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    sink += chosen;
    Cost cost;
    cost.wall = std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(iterations);
    cost.cpu = (threadCpuNs() - cpuStart) / static_cast<double>(iterations);
    return cost;
}

/// The CPUs this process may run on (taskset's list), in order.
std::vector<int> allowedCpus()
{
    std::vector<int> cpus;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
            if (CPU_ISSET(cpu, &set))
                cpus.push_back(cpu);
    return cpus;
}

struct Settings
{
    int rounds = 9;
    std::size_t iterations = 200000;
    bool pin = true;
    std::vector<int> cpus;
};

void pinTo(const Settings& settings, std::size_t index)
{
    if (!settings.pin || settings.cpus.empty())
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(settings.cpus[index % settings.cpus.size()], &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0)
        pinFailed = true;
}

/// `threads` loops at once, each on a thread of its own (pinned), started together; the mean of
/// their costs.
Cost runLoops(const Settings& settings, const Router& router, const std::vector<std::string>& names, int threads,
              std::size_t iterations)
{
    std::vector<Cost> costs(static_cast<std::size_t>(threads));
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            pinTo(settings, static_cast<std::size_t>(t));
            ++ready;
            while (!go.load(std::memory_order_acquire))
                std::this_thread::yield();
            costs[static_cast<std::size_t>(t)] =
                choose(router, names, iterations, 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(t + 1));
        });
    while (ready.load() < threads)
        std::this_thread::yield();
    go.store(true, std::memory_order_release);
    for (auto& worker : workers)
        worker.join();
    Cost mean;
    for (const Cost& cost : costs)
    {
        mean.wall += cost.wall / threads;
        mean.cpu += cost.cpu / threads;
    }
    return mean;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void usage(const char* program)
{
    std::fprintf(stderr, "usage: %s [--quick] [--rounds N] [--iterations N] [--cpus=A,B | --no-pin]\n", program);
}

} // namespace

int main(int argc, char** argv)
{
    Settings settings;
    for (int i = 1; i < argc; ++i)
    {
        if (std::strcmp(argv[i], "--quick") == 0)
        {
            settings.rounds = 3;
            settings.iterations = 20000;
        }
        else if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            settings.rounds = std::max(1, std::atoi(argv[++i]));
        else if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
            settings.iterations = static_cast<std::size_t>(std::max(1, std::atoi(argv[++i])));
        else if (std::strcmp(argv[i], "--no-pin") == 0)
            settings.pin = false;
        else if (std::strncmp(argv[i], "--cpus=", 7) == 0)
        {
            // The CPUs of thread 0 and thread 1 ("0,1"; one number: both on it).
            settings.cpus.clear();
            std::istringstream list(argv[i] + 7);
            std::string item;
            while (std::getline(list, item, ','))
            {
                char* end = nullptr;
                const long cpu = std::strtol(item.c_str(), &end, 10);
                if (item.empty() || *end != '\0' || cpu < 0 || cpu >= CPU_SETSIZE)
                {
                    usage(argv[0]);
                    return 2;
                }
                settings.cpus.push_back(static_cast<int>(cpu));
            }
            if (settings.cpus.empty())
            {
                usage(argv[0]);
                return 2;
            }
        }
        else
        {
            usage(argv[0]);
            return 2;
        }
    }
    Poco::Logger::root().setLevel("warning");
    if (settings.cpus.empty())
        settings.cpus = allowedCpus();

    std::vector<std::unique_ptr<Catalog>> catalogs;
    for (const char* strategy : StrategyNames)
        catalogs.push_back(std::make_unique<Catalog>(strategy));
    std::vector<std::string> names;
    for (int g = 0; g < Groups; ++g)
        names.push_back(groupName(g));
    std::shuffle(names.begin(), names.end(), std::mt19937(42));

    std::string where = "not pinned";
    if (settings.pin && !settings.cpus.empty())
    {
        where = "1 thread on CPU " + std::to_string(settings.cpus[0]) + ", 2 threads on CPUs " +
                std::to_string(settings.cpus[0]) + " and " + std::to_string(settings.cpus[1 % settings.cpus.size()]);
        if (settings.cpus.size() < 2)
            where += " (one CPU allowed: the two threads share it)";
    }
    std::printf("routing_pick_bench: one choice = Router::find + Clock::now + Router::pick + succeeded + finished;\n"
                "%d groups x %d deployments (%d upstreams), strategies in their own Router; %d rounds x %zu choices\n"
                "per thread and loop, strategies rotated per round; %s\n",
                Groups, DeploymentsPerGroup, DeploymentsPerGroup, settings.rounds, settings.iterations, where.c_str());
    std::fflush(stdout);

    // Warm-up (unrecorded): every Router's deployments measured once, the code and maps in cache.
    for (const auto& catalog : catalogs)
        runLoops(settings, *catalog->router, names, 1, std::max<std::size_t>(settings.iterations / 4, 1000));

    // [strategy][threads - 1] -> the rounds' figures.
    std::vector<Cost> results[StrategyCount][2];
    for (int round = 0; round < settings.rounds; ++round)
        for (int i = 0; i < StrategyCount; ++i)
        {
            const int s = (i + round) % StrategyCount;
            for (int threads = 1; threads <= 2; ++threads)
                results[s][threads - 1].push_back(
                    runLoops(settings, *catalogs[static_cast<std::size_t>(s)]->router, names, threads,
                             settings.iterations));
        }
    if (pinFailed)
        std::fprintf(stderr, "routing_pick_bench: could not pin a thread to its CPU (not in the process's CPU set?): "
                             "the figures are unpinned\n");
    if (pickFailed)
    {
        std::fprintf(stderr, "routing_pick_bench: a pick found no deployment (the catalog is broken)\n");
        return 1;
    }

    std::printf("%-11s %7s %10s %8s %8s %8s  %s\n", "strategy", "threads", "median ns", "min ns", "max ns", "cpu ns",
                "target < 1000 ns (median)");
    std::ostringstream lines;
    for (int s = 0; s < StrategyCount; ++s)
        for (int threads = 1; threads <= 2; ++threads)
        {
            std::vector<double> wall;
            std::vector<double> cpu;
            for (const Cost& cost : results[s][threads - 1])
            {
                wall.push_back(cost.wall);
                cpu.push_back(cost.cpu);
            }
            const double mid = median(wall);
            const double low = *std::min_element(wall.begin(), wall.end());
            const double high = *std::max_element(wall.begin(), wall.end());
            const double cpuMid = median(cpu);
            std::printf("%-11s %7d %10.1f %8.1f %8.1f %8.1f  %s\n", StrategyNames[s], threads, mid, low, high, cpuMid,
                        mid < TargetNs ? "ok" : "MISSED");
            char line[256];
            std::snprintf(line, sizeof line,
                          "pick strategy=%s threads=%d groups=%d deployments=%d rounds=%d iterations=%zu "
                          "median_ns=%.1f min_ns=%.1f max_ns=%.1f cpu_median_ns=%.1f\n",
                          StrategyNames[s], threads, Groups, DeploymentsPerGroup, settings.rounds,
                          settings.iterations, mid, low, high, cpuMid);
            lines << line;
        }
    std::printf("(ns per choice, per thread: median, min and max over the rounds of the wall time; cpu = the\n"
                " threads' own CPU time, the steadier figure on a busy machine; 2 threads = two loops at once,\n"
                " each figure the mean of the two threads' own ns per choice)\n%s",
                lines.str().c_str());
    return 0;
}
