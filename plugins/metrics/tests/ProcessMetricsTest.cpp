// ProcessMetrics against this test process's real /proc/self: every figure compared with what the
// test reads on its own (other files where there are: status for memory and threads, prlimit for
// the descriptor limit), and followed as it changes (threads started, files opened, CPU spent);
// the parsers on the odd command names a process may have; a /proc that cannot be read (figures
// left out, the scrape goes on); the families' names, types and HELP, and promtool on them.

#include "Exposition.h"
#include "MetricsTesting.h"
#include "ProcFigures.h"
#include "ProcessMetrics.h"
#include "TempDir.h"
#include "TestAsserts.h"
#include <cppunit/extensions/HelperMacros.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

using portico::metrics::parseBootTime;
using portico::metrics::parseMaxOpenFiles;
using portico::metrics::parseProcStat;
using portico::metrics::ProcessMetrics;
using portico::metrics::ProcessSample;
using portico::metrics::test::ProcFigures;
using portico::metrics::test::readProcFigures;
namespace mt = portico::metrics::test;

namespace {

/// The wall clock when this test binary was loaded, for the start time.
const double LoadedAt = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

void assertWithin(const std::string& what, double expected, double actual, double fraction)
{
    CPPUNIT_ASSERT_MESSAGE(what + ": expected " + std::to_string(expected) + " within " +
                               std::to_string(fraction * 100) + "%, got " + std::to_string(actual),
                           std::fabs(actual - expected) <= std::fabs(expected) * fraction);
}

/// Spends about `seconds` of CPU in this thread.
void burnCpu(double seconds)
{
    const std::clock_t until = std::clock() + static_cast<std::clock_t>(seconds * CLOCKS_PER_SEC);
    volatile unsigned long long sink = 0;
    while (std::clock() < until)
        for (int i = 0; i < 10000; ++i)
            sink = sink + static_cast<unsigned long long>(i) * 7;
}

/// Threads that wait until the object goes away.
class ParkedThreads
{
public:
    explicit ParkedThreads(int count)
    {
        for (int i = 0; i < count; ++i)
            threads_.emplace_back([this] {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [this] { return release_; });
            });
    }
    ~ParkedThreads()
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            release_ = true;
        }
        wake_.notify_all();
        for (auto& thread : threads_)
            thread.join();
    }

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool release_ = false;
    std::vector<std::thread> threads_;
};

} // namespace

class ProcessMetricsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ProcessMetricsTest);
    CPPUNIT_TEST(testEveryFigureMatchesProcSelf);
    CPPUNIT_TEST(testFiguresFollowTheProcess);
    CPPUNIT_TEST(testParsers);
    CPPUNIT_TEST(testUnreadableProcLeavesFiguresOut);
    CPPUNIT_TEST(testFamiliesAndPromtool);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEveryFigureMatchesProcSelf()
    {
        burnCpu(0.2); // a CPU figure of a few ticks, not 0
        const ProcessMetrics process;
        const ProcFigures before = readProcFigures(getpid());
        const ProcessSample sample = process.sample();
        const ProcFigures after = readProcFigures(getpid());

        CPPUNIT_ASSERT(sample.cpuSeconds && sample.residentBytes && sample.virtualBytes && sample.openFds &&
                       sample.maxFds && sample.startTimeSeconds && sample.threads);
        CPPUNIT_ASSERT(*sample.cpuSeconds >= 0.1);
        CPPUNIT_ASSERT(*sample.cpuSeconds >= before.cpuSeconds && *sample.cpuSeconds <= after.cpuSeconds);
        // getrusage(2) counts the same time at a finer grain: stat truncates each of utime and
        // stime to a tick.
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        const double rusageSeconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                                     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
        CPPUNIT_ASSERT(*sample.cpuSeconds <= rusageSeconds + 1e-9 && *sample.cpuSeconds >= rusageSeconds - 0.05);

        assertWithin("resident bytes", before.residentBytes, *sample.residentBytes, 0.05);
        assertWithin("virtual bytes", before.virtualBytes, *sample.virtualBytes, 0.05);
        CPPUNIT_ASSERT_EQUAL(before.threads, *sample.threads);
        CPPUNIT_ASSERT_EQUAL(before.maxFds, *sample.maxFds);
        rlimit limit{};
        getrlimit(RLIMIT_NOFILE, &limit);
        CPPUNIT_ASSERT_EQUAL(static_cast<double>(limit.rlim_cur), *sample.maxFds);
        // Both listings count the descriptor they read the directory through.
        CPPUNIT_ASSERT_EQUAL(before.openFds, *sample.openFds);
        CPPUNIT_ASSERT_EQUAL(before.startTime, *sample.startTimeSeconds);
        // And the start is when this test process began by the wall clock: just before its
        // static initialisation (btime is whole seconds, so up to one second early).
        CPPUNIT_ASSERT_MESSAGE(std::to_string(*sample.startTimeSeconds) + " vs " + std::to_string(LoadedAt),
                               *sample.startTimeSeconds <= LoadedAt + 0.05 && *sample.startTimeSeconds >= LoadedAt - 5);
        CPPUNIT_ASSERT(after.threads == before.threads);
    }

    void testFiguresFollowTheProcess()
    {
        const ProcessMetrics process;
        const ProcessSample first = process.sample();
        {
            ParkedThreads threads(5);
            std::vector<int> files;
            for (int i = 0; i < 20; ++i)
                files.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
            // 64 MiB touched: resident memory grows by as much.
            std::vector<char> memory(64 << 20);
            for (std::size_t i = 0; i < memory.size(); i += 4096)
                memory[i] = 1;
            burnCpu(0.1);
            const ProcessSample busy = process.sample();
            CPPUNIT_ASSERT_EQUAL(*first.threads + 5, *busy.threads);
            CPPUNIT_ASSERT_EQUAL(*first.openFds + 20, *busy.openFds);
            CPPUNIT_ASSERT(*busy.residentBytes >= *first.residentBytes + (60 << 20));
            CPPUNIT_ASSERT(*busy.virtualBytes >= *first.virtualBytes + (60 << 20));
            CPPUNIT_ASSERT(*busy.cpuSeconds >= *first.cpuSeconds + 0.05);
            CPPUNIT_ASSERT_EQUAL(*first.startTimeSeconds, *busy.startTimeSeconds);
            for (const int fd : files)
                ::close(fd);
        }
        const ProcessSample calm = process.sample();
        CPPUNIT_ASSERT_EQUAL(*first.threads, *calm.threads);
        CPPUNIT_ASSERT_EQUAL(*first.openFds, *calm.openFds);
    }

    void testParsers()
    {
        // A command name may hold spaces and parentheses: only the last ')' ends it.
        const auto stat = parseProcStat("4242 (a) b (c) d) S 1 4242 4242 0 -1 4194560 1000 0 0 0 "
                                        "250 125 0 0 20 0 7 0 123456 987654321 2048 18446744073709551615 1 1 0 0 0 "
                                        "0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n");
        CPPUNIT_ASSERT(stat);
        CPPUNIT_ASSERT_EQUAL(250ULL, stat->utimeTicks);
        CPPUNIT_ASSERT_EQUAL(125ULL, stat->stimeTicks);
        CPPUNIT_ASSERT_EQUAL(7LL, stat->threads);
        CPPUNIT_ASSERT_EQUAL(123456ULL, stat->startTicks);
        CPPUNIT_ASSERT_EQUAL(987654321ULL, stat->vsizeBytes);
        CPPUNIT_ASSERT_EQUAL(2048LL, stat->rssPages);
        CPPUNIT_ASSERT(!parseProcStat(""));
        CPPUNIT_ASSERT(!parseProcStat("1 (x) S 1 2 3"));             // cut short
        CPPUNIT_ASSERT(!parseProcStat("1 x S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 1 1 1")); // no ')'
        CPPUNIT_ASSERT(!parseProcStat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 1x 1 0 0 20 0 1 0 1 1 1"));

        CPPUNIT_ASSERT_EQUAL(1700000000LL, *parseBootTime("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n"));
        CPPUNIT_ASSERT(!parseBootTime("cpu  1 2 3\n"));
        CPPUNIT_ASSERT(!parseBootTime("btime x\n"));

        const std::string limits = "Limit                     Soft Limit           Hard Limit           Units     \n"
                                   "Max processes             63371                63371                processes \n"
                                   "Max open files            1024                 524288               files     \n";
        CPPUNIT_ASSERT_EQUAL(1024.0, *parseMaxOpenFiles(limits));
        CPPUNIT_ASSERT_EQUAL(18446744073709551615.0,
                             *parseMaxOpenFiles("Max open files            unlimited            unlimited            files\n"));
        CPPUNIT_ASSERT(!parseMaxOpenFiles("Max processes 1 1 processes\n"));

        // And the real files of this process.
        CPPUNIT_ASSERT(parseProcStat(portico::test::readFile("/proc/self/stat")));
        CPPUNIT_ASSERT(parseBootTime(portico::test::readFile("/proc/stat")));
        CPPUNIT_ASSERT(parseMaxOpenFiles(portico::test::readFile("/proc/self/limits")));
    }

    void testUnreadableProcLeavesFiguresOut()
    {
        // Nothing there: no family, no exception, the rest of a scrape goes on.
        const ProcessMetrics absent("/nonexistent/proc");
        CPPUNIT_ASSERT(absent.Collect().empty());
        prometheus::Registry registry;
        prometheus::BuildGauge().Name("x_figure").Help("A figure.").Register(registry).Add({}).Set(3);
        const std::string text = portico::metrics::renderExposition(registry, {&absent});
        CPPUNIT_ASSERT_EQUAL(3.0, mt::sampleValue(text, "x_figure"));
        PORTICO_ASSERT_NOT_CONTAINS(text, "process_");

        // A stat that can be read, no /proc/stat, no limits, no fd directory: the figures of
        // stat but the start time (which needs the boot time) are there, nothing else.
        portico::test::TempDir dir;
        std::filesystem::create_directories(dir.file("self"));
        dir.write("self/stat", portico::test::readFile("/proc/self/stat"));
        const ProcessMetrics partial(dir.path());
        const ProcessSample sample = partial.sample();
        CPPUNIT_ASSERT(sample.cpuSeconds && sample.residentBytes && sample.virtualBytes && sample.threads);
        CPPUNIT_ASSERT(!sample.startTimeSeconds && !sample.openFds && !sample.maxFds);
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), partial.Collect().size());

        // A stat that is not one: its figures are left out, the others stay.
        dir.write("self/stat", "garbage");
        dir.write("stat", "btime 1700000000\n");
        dir.write("self/limits", "Max open files            4096                 4096                 files\n");
        std::filesystem::create_directories(dir.file("self/fd"));
        dir.write("self/fd/0", "");
        dir.write("self/fd/1", "");
        const ProcessSample garbled = partial.sample();
        CPPUNIT_ASSERT(!garbled.cpuSeconds && !garbled.residentBytes && !garbled.threads && !garbled.startTimeSeconds);
        CPPUNIT_ASSERT_EQUAL(4096.0, *garbled.maxFds);
        CPPUNIT_ASSERT_EQUAL(2.0, *garbled.openFds);
    }

    void testFamiliesAndPromtool()
    {
        const ProcessMetrics process;
        prometheus::Registry registry;
        prometheus::BuildGauge().Name("portico_x").Help("A gauge.").Register(registry).Add({}).Set(1);
        const std::string text = portico::metrics::renderExposition(registry, {&process});
        const char* const expected[] = {
            "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
            "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ",
            "# HELP process_open_fds Number of open file descriptors.\n# TYPE process_open_fds gauge\nprocess_open_fds ",
            "# HELP process_max_fds Maximum number of open file descriptors.\n# TYPE process_max_fds gauge\nprocess_max_fds ",
            "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
            "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes ",
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes ",
            "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
            "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ",
            "# HELP process_threads Number of OS threads in the process.\n# TYPE process_threads gauge\nprocess_threads ",
            "portico_x 1"};
        for (const char* family : expected)
            PORTICO_ASSERT_CONTAINS(text, family);
        std::string output;
        bool missing = false;
        CPPUNIT_ASSERT_MESSAGE(output + "\n" + text, mt::promtoolAccepts(text, output, missing));
        if (missing)
            std::cerr << mt::PromtoolMissing << std::endl;

        // What a scrape pays for the family: a few procfs reads.
        constexpr int rounds = 2000;
        const auto start = std::chrono::steady_clock::now();
        std::size_t families = 0;
        for (int i = 0; i < rounds; ++i)
            families += process.Collect().size();
        const double micros =
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / rounds;
        CPPUNIT_ASSERT_EQUAL(std::size_t(7) * rounds, families);
        std::cerr << "ProcessMetrics::Collect: " << micros << " us per scrape" << std::endl;
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ProcessMetricsTest);
