// The access log: its JSON line (time with milliseconds, facts from the attributes, absent
// facts as null, escaping, the duration with three decimals), parsed back with Poco's JSON
// parser; and its queue and writer thread: record() never waits for a writer blocked on a pipe
// nobody reads, dropped lines are counted in portico_access_log_dropped_total, lines are never
// cut or mixed with the server log's, the log pipeline's filters apply to access lines (a
// throwing one never lets its line through), and the [log] destinations.

#include "PipeCapture.h"
#include "TempDir.h"
#include "http/AccessLog.h"
#include "log/LogPipeline.h"
#include "portico/Attributes.h"
#include "portico/Errors.h"
#include "Poco/DateTime.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include "Poco/Logger.h"
#include <chrono>
#include <fcntl.h>
#include <cppunit/extensions/HelperMacros.h>
#include <prometheus/registry.h>
#include <regex>
#include <stdexcept>
#include <thread>
#include <unistd.h>

using portico::AccessLog;
using portico::AccessLogOptions;
using portico::AccessLogSettings;
using portico::Exchange;
using portico::HeaderList;
using portico::LogFilter;
using portico::LogPipeline;
using portico::Outcome;
using portico::test::PipeCapture;
using portico::test::TempDir;

namespace {

Poco::JSON::Object::Ptr parse(const std::string& line)
{
    Poco::JSON::Parser parser;
    return parser.parse(line).extract<Poco::JSON::Object::Ptr>();
}

Poco::Timestamp at(int year, int month, int day, int hour, int minute, int second, int millisecond)
{
    return Poco::DateTime(year, month, day, hour, minute, second, millisecond).timestamp();
}

/// An exchange as the core leaves it when the request is over.
std::unique_ptr<Exchange> exchange(const std::string& method, const std::string& target, int status,
                                   std::uint64_t bytesSent = 0)
{
    auto result = std::make_unique<Exchange>(method, target, HeaderList{}, "", "127.0.0.1:40000");
    result->response().status = status;
    result->response().bytesSent = bytesSent;
    return result;
}

std::vector<std::string> linesOf(const std::string& text)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (auto end = text.find('\n'); end != std::string::npos; start = end + 1, end = text.find('\n', start))
        lines.push_back(text.substr(start, end - start));
    CPPUNIT_ASSERT_EQUAL_MESSAGE("a line without its newline", text.size(), start);
    return lines;
}

bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

class ReplaceFilter : public LogFilter
{
public:
    ReplaceFilter(std::string from, std::string to) : from_(std::move(from)), to_(std::move(to)) {}
    void apply(std::string& line) const override
    {
        for (auto at = line.find(from_); at != std::string::npos; at = line.find(from_, at + to_.size()))
            line.replace(at, from_.size(), to_);
    }

private:
    std::string from_;
    std::string to_;
};

class ThrowingFilter : public LogFilter
{
public:
    void apply(std::string& line) const override
    {
        line += " and more";
        throw std::runtime_error("no");
    }
};

/// The value of portico_access_log_dropped_total{reason=`reason`} in `registry`.
double droppedMetric(prometheus::Registry& registry, const std::string& reason)
{
    for (const auto& family : registry.Collect())
        if (family.name == "portico_access_log_dropped_total")
            for (const auto& metric : family.metric)
                for (const auto& label : metric.label)
                    if (label.name == "reason" && label.value == reason)
                        return metric.counter.value;
    CPPUNIT_FAIL("no portico_access_log_dropped_total{reason=\"" + reason + "\"}");
    return -1;
}

/// Starts reading a PipeCapture when it goes out of scope.
struct ReadOnExit
{
    PipeCapture& capture;
    ~ReadOnExit() { capture.startReading(); }
};

AccessLogSettings fileSettings(const std::string& file)
{
    AccessLogSettings settings;
    settings.target = AccessLogSettings::Target::File;
    settings.file = file;
    settings.source = "test.ini";
    return settings;
}

} // namespace

class AccessLogTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(AccessLogTest);
    CPPUNIT_TEST(testLineOfAHandledRequest);
    CPPUNIT_TEST(testAbsentFactsAreNull);
    CPPUNIT_TEST(testTimeWithinOneSecond);
    CPPUNIT_TEST(testLinesReachTheStream);
    CPPUNIT_TEST(testRecordNeverWaitsForABlockedWriter);
    CPPUNIT_TEST(testWriteFailuresAreCounted);
    CPPUNIT_TEST(testLinesAreNeverCutOrMixed);
    CPPUNIT_TEST(testFiltersApplyToAccessLines);
    CPPUNIT_TEST(testThrowingFilterNeverLeaksTheLine);
    CPPUNIT_TEST(testFileAndOff);
    CPPUNIT_TEST(testUnopenableFileKeepsTheDestination);
    CPPUNIT_TEST(testCheck);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        registry_ = std::make_unique<prometheus::Registry>();
        savedChannel_ = Poco::Logger::root().getChannel();
    }

    void tearDown() override
    {
        // Poco's loggers are global: a test that installed a pipeline gives them back.
        Poco::Logger::setChannel("", savedChannel_);
    }

    void testLineOfAHandledRequest()
    {
        auto request = exchange("POST", "/v1/chat/completions?stream=false", 200, 10);
        request->set(portico::attr::TraceId, "0123456789abcdef0123456789abcdef");
        request->set(portico::attr::Principal, "ali\"ce");
        request->set(portico::attr::Model, "gpt-4o");
        request->set(portico::attr::UpstreamMs, "10.2");
        const std::string line = AccessLog::format(*request, Outcome::Completed, at(2026, 1, 2, 3, 4, 5, 678));
        const auto json = parse(line);
        CPPUNIT_ASSERT_EQUAL(std::string("2026-01-02T03:04:05.678Z"), json->getValue<std::string>("time"));
        CPPUNIT_ASSERT_EQUAL(std::string("0123456789abcdef0123456789abcdef"), json->getValue<std::string>("trace_id"));
        CPPUNIT_ASSERT_EQUAL(std::string("ali\"ce"), json->getValue<std::string>("principal"));
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), json->getValue<std::string>("method"));
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), json->getValue<std::string>("path"));
        CPPUNIT_ASSERT_EQUAL(200, json->getValue<int>("status"));
        CPPUNIT_ASSERT_EQUAL(10, json->getValue<int>("bytes_out"));
        CPPUNIT_ASSERT_EQUAL(10.2, json->getValue<double>("upstream_ms"));
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o"), json->getValue<std::string>("model"));
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:40000"), json->getValue<std::string>("client"));
        CPPUNIT_ASSERT_EQUAL(std::string("completed"), json->getValue<std::string>("outcome"));
        CPPUNIT_ASSERT_MESSAGE(line, std::regex_search(line, std::regex(",\"duration_ms\":[0-9]+\\.[0-9]{3},")));
        CPPUNIT_ASSERT(json->getValue<double>("duration_ms") >= 0.0);
        // The fields in their documented order.
        CPPUNIT_ASSERT_MESSAGE(line, std::regex_match(line, std::regex(
            R"(\{"time":"[^"]+","trace_id":"[0-9a-f]+","principal":"ali\\"ce","method":"POST",)"
            R"("path":"/v1/chat/completions","status":200,"bytes_out":10,"duration_ms":[0-9.]+,)"
            R"("upstream_ms":10.2,"model":"gpt-4o","client":"127.0.0.1:40000","outcome":"completed"\})")));
    }

    void testAbsentFactsAreNull()
    {
        auto request = exchange("GET", "/missing", 404);
        const auto json = parse(AccessLog::format(*request, Outcome::ClientGone, Poco::Timestamp()));
        for (const char* field : {"trace_id", "principal", "upstream_ms", "model"})
            CPPUNIT_ASSERT_MESSAGE(field, json->isNull(field));
        CPPUNIT_ASSERT_EQUAL(404, json->getValue<int>("status"));
        CPPUNIT_ASSERT_EQUAL(std::string("client_gone"), json->getValue<std::string>("outcome"));
        // An upstream_ms that is not a plain number stays valid JSON, as a string.
        request->set(portico::attr::UpstreamMs, "12ms");
        const auto odd = parse(AccessLog::format(*request, Outcome::Error, Poco::Timestamp()));
        CPPUNIT_ASSERT_EQUAL(std::string("12ms"), odd->getValue<std::string>("upstream_ms"));
        CPPUNIT_ASSERT_EQUAL(std::string("error"), odd->getValue<std::string>("outcome"));
    }

    void testTimeWithinOneSecond()
    {
        // The part up to the seconds is cached per second: the milliseconds must still move,
        // and the next second must not reuse the cached part.
        auto request = exchange("GET", "/missing", 404);
        const auto time = [&](const Poco::Timestamp& now) {
            return parse(AccessLog::format(*request, Outcome::Completed, now))->getValue<std::string>("time");
        };
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T20:59:59.001Z"), time(at(2026, 11, 25, 20, 59, 59, 1)));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T20:59:59.999Z"), time(at(2026, 11, 25, 20, 59, 59, 999)));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T21:00:00.000Z"), time(at(2026, 11, 25, 21, 0, 0, 0)));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T20:59:59.500Z"), time(at(2026, 11, 25, 20, 59, 59, 500)));
    }

    void testLinesReachTheStream()
    {
        PipeCapture capture;
        LogPipeline pipeline(capture.fd());
        {
            AccessLog log(*registry_, pipeline, options(capture.fd()));
            log.record(*exchange("GET", "/a", 200, 1), Outcome::Completed);
            log.record(*exchange("POST", "/b?q=secret", 500), Outcome::Error);
            CPPUNIT_ASSERT(capture.waitFor("\"path\":\"/b\""));
            log.record(*exchange("GET", "/c", 200), Outcome::ClientGone);
        } // the destructor writes what is queued
        pipeline.flush(); // the server log is written by its own thread
        const auto lines = linesOf(capture.finish());
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), lines.size());
        CPPUNIT_ASSERT_EQUAL(std::string("/a"), parse(lines[0])->getValue<std::string>("path"));
        CPPUNIT_ASSERT_EQUAL(500, parse(lines[1])->getValue<int>("status"));
        CPPUNIT_ASSERT_EQUAL(std::string("client_gone"), parse(lines[2])->getValue<std::string>("outcome"));
        CPPUNIT_ASSERT(!contains(lines[1], "secret"));
    }

    void testRecordNeverWaitsForABlockedWriter()
    {
        // A stderr that nobody reads: a one-page pipe that is not read. The writer blocks on it;
        // record() must go on returning at once, queueing what fits and dropping the rest, and
        // counting every dropped line.
        PipeCapture capture(false, true);
        PipeCapture serverLog;
        LogPipeline pipeline(serverLog.fd());
        pipeline.install();
        constexpr int Burst = 2000;
        std::uint64_t dropped = 0;
        std::size_t queued = 0;
        int fed = 0;
        {
            AccessLog log(*registry_, pipeline, options(capture.fd(), 32 * 1024));
            // However the block is left (a failed assertion too), the reader comes back before
            // the destructor writes the rest: else it would wait on the pipe for ever.
            const ReadOnExit readOnExit{capture};
            auto request = exchange("GET", "/v1/models", 200, 512);
            // Line by line until the writer stops taking them: then it is stuck on the full
            // pipe (a page holds some 17 lines) and takes nothing more.
            for (bool taken = true; taken && fed < 100; ++fed)
            {
                log.record(*request, Outcome::Completed);
                taken = false;
                for (int wait = 0; wait < 100 && !taken; ++wait)
                {
                    taken = log.queued() == 0;
                    if (!taken)
                        std::this_thread::sleep_for(std::chrono::milliseconds(10));
                }
            }
            CPPUNIT_ASSERT_MESSAGE("the writer never blocked", fed < 100);
            const std::size_t stuck = log.queued();
            CPPUNIT_ASSERT_EQUAL(std::size_t(1), stuck);
            CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), log.dropped());

            const auto started = std::chrono::steady_clock::now();
            auto slowest = std::chrono::steady_clock::duration::zero();
            for (int i = 0; i < Burst; ++i)
            {
                const auto before = std::chrono::steady_clock::now();
                log.record(*request, Outcome::Completed);
                slowest = std::max(slowest, std::chrono::steady_clock::now() - before);
            }
            const auto took = std::chrono::steady_clock::now() - started;
            CPPUNIT_ASSERT_MESSAGE("record() waited", took < std::chrono::seconds(5));
            CPPUNIT_ASSERT_MESSAGE("one record() waited", slowest < std::chrono::seconds(1));
            // The queue (32 KiB, lines of ~235 bytes) took what fitted; every other line was
            // dropped and counted.
            dropped = log.dropped();
            queued = log.queued();
            CPPUNIT_ASSERT_MESSAGE(std::to_string(queued), queued > 32 * 1024 / 300 && queued < 32 * 1024 / 200);
            CPPUNIT_ASSERT_EQUAL(static_cast<std::uint64_t>(Burst + stuck), queued + dropped);
            CPPUNIT_ASSERT_EQUAL(static_cast<double>(dropped), droppedMetric(*registry_, "queue_full"));
            CPPUNIT_ASSERT_EQUAL(0.0, droppedMetric(*registry_, "write_failed"));
        }
        // The reader came back: the destructor wrote everything that was not dropped, whole.
        pipeline.flush(); // the server log is written by its own thread
        const auto lines = linesOf(capture.finish());
        CPPUNIT_ASSERT_EQUAL(static_cast<std::size_t>(fed + Burst - dropped), lines.size());
        for (const auto& line : lines)
            CPPUNIT_ASSERT_EQUAL(std::string("/v1/models"), parse(line)->getValue<std::string>("path"));
        // Said once in the server log (at most once a minute), with the count.
        Poco::Logger::setChannel("", savedChannel_);
        pipeline.flush(); // the server log is written by its own thread
        const auto warnings = linesOf(serverLog.finish());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), warnings.size());
        CPPUNIT_ASSERT_MESSAGE(warnings[0], contains(warnings[0], " Warning portico.core: access log: " +
                                                                      std::to_string(dropped) + " line(s) dropped"));
    }

    void testWriteFailuresAreCounted()
    {
        // A stderr whose reader is gone: every write fails (EPIPE; SIGPIPE is ignored, as in
        // porticod). The lines are counted as write_failed and the server log says why.
        int fds[2];
        CPPUNIT_ASSERT_EQUAL(0, ::pipe2(fds, O_CLOEXEC));
        ::close(fds[0]);
        PipeCapture serverLog;
        LogPipeline pipeline(serverLog.fd());
        pipeline.install();
        {
            AccessLog log(*registry_, pipeline, options(fds[1]));
            for (int i = 0; i < 3; ++i)
                log.record(*exchange("GET", "/lost", 200), Outcome::Completed);
        }
        ::close(fds[1]);
        Poco::Logger::setChannel("", savedChannel_);
        CPPUNIT_ASSERT_EQUAL(3.0, droppedMetric(*registry_, "write_failed"));
        CPPUNIT_ASSERT_EQUAL(0.0, droppedMetric(*registry_, "queue_full"));
        pipeline.flush(); // the server log is written by its own thread
        const std::string text = serverLog.finish();
        CPPUNIT_ASSERT_MESSAGE(text, contains(text, " Error portico.core: access log: "));
        CPPUNIT_ASSERT_MESSAGE(text, contains(text, "could not be written: Broken pipe"));
    }

    void testLinesAreNeverCutOrMixed()
    {
        // Access lines longer than a pipe keeps whole (PIPE_BUF), from several threads, while
        // the server log writes long lines to the same descriptor.
        PipeCapture capture;
        LogPipeline pipeline(capture.fd());
        pipeline.install();
        constexpr int Threads = 4;
        constexpr int PerThread = 200;
        {
            AccessLog log(*registry_, pipeline, options(capture.fd()));
            std::vector<std::thread> threads;
            for (int t = 0; t < Threads; ++t)
                threads.emplace_back([&, t] {
                    auto request = exchange("GET", "/" + std::string(6000, static_cast<char>('a' + t)), 200);
                    for (int i = 0; i < PerThread; ++i)
                        log.record(*request, Outcome::Completed);
                });
            threads.emplace_back([] {
                Poco::Logger& logger = Poco::Logger::get("test.mixed");
                for (int i = 0; i < PerThread; ++i)
                    logger.warning("<" + std::string(6000, 'z') + ">");
            });
            for (auto& thread : threads)
                thread.join();
        }
        Poco::Logger::setChannel("", savedChannel_);
        pipeline.flush(); // the server log is written by its own thread
        const auto lines = linesOf(capture.finish());
        int access = 0;
        int server = 0;
        for (const auto& line : lines)
        {
            if (line.rfind("{\"time\":", 0) == 0)
            {
                const std::string path = parse(line)->getValue<std::string>("path");
                CPPUNIT_ASSERT_EQUAL(std::size_t(6001), path.size());
                CPPUNIT_ASSERT_EQUAL(std::string(6000, path[1]), path.substr(1));
                ++access;
            }
            else
            {
                CPPUNIT_ASSERT_MESSAGE(line.substr(0, 80),
                                       contains(line, " Warning test.mixed: <" + std::string(6000, 'z') + ">"));
                ++server;
            }
        }
        CPPUNIT_ASSERT_EQUAL(Threads * PerThread, access);
        CPPUNIT_ASSERT_EQUAL(PerThread, server);
    }

    void testFiltersApplyToAccessLines()
    {
        PipeCapture capture;
        LogPipeline pipeline(capture.fd());
        pipeline.setFilters({std::make_shared<const ReplaceFilter>("sk-secret", "[REDACTED]")});
        {
            AccessLog log(*registry_, pipeline, options(capture.fd()));
            log.record(*exchange("GET", "/v1/files/sk-secret", 404), Outcome::Completed);
        }
        pipeline.flush(); // the server log is written by its own thread
        const auto lines = linesOf(capture.finish());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), lines.size());
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/files/[REDACTED]"), parse(lines[0])->getValue<std::string>("path"));
    }

    void testThrowingFilterNeverLeaksTheLine()
    {
        PipeCapture capture;
        LogPipeline pipeline(capture.fd());
        pipeline.setFilters({std::make_shared<const ThrowingFilter>()});
        {
            AccessLog log(*registry_, pipeline, options(capture.fd()));
            log.record(*exchange("GET", "/v1/files/sk-secret", 404), Outcome::Completed);
            log.record(*exchange("GET", "/v1/files/sk-other", 404), Outcome::Completed);
        }
        pipeline.flush(); // the server log is written by its own thread
        const std::string text = capture.finish();
        CPPUNIT_ASSERT_EQUAL(std::string(LogPipeline::FilterFailed) + "\n" + LogPipeline::FilterFailed + "\n", text);
    }

    void testFileAndOff()
    {
        TempDir dir;
        PipeCapture capture;
        LogPipeline pipeline(capture.fd());
        {
            AccessLog log(*registry_, pipeline, options(capture.fd()));
            log.record(*exchange("GET", "/to-stream", 200), Outcome::Completed);
            CPPUNIT_ASSERT(capture.waitFor("/to-stream"));
            log.configure(fileSettings(dir.file("access.log")));
            log.record(*exchange("GET", "/to-file", 200), Outcome::Completed);
            waitForFile(dir.file("access.log"), "/to-file");
            AccessLogSettings off;
            off.target = AccessLogSettings::Target::Off;
            log.configure(off);
            log.record(*exchange("GET", "/nowhere", 200), Outcome::Completed);
            CPPUNIT_ASSERT_EQUAL(std::size_t(0), log.queued());
            AccessLogSettings stream;
            log.configure(stream);
            log.record(*exchange("GET", "/back-to-stream", 200), Outcome::Completed);
        }
        pipeline.flush(); // the server log is written by its own thread
        const std::string streamed = capture.finish();
        const std::string filed = portico::test::readFile(dir.file("access.log"));
        CPPUNIT_ASSERT(contains(streamed, "/to-stream") && contains(streamed, "/back-to-stream"));
        CPPUNIT_ASSERT(!contains(streamed, "/to-file") && !contains(streamed, "/nowhere"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), linesOf(filed).size());
        CPPUNIT_ASSERT_EQUAL(std::string("/to-file"), parse(linesOf(filed)[0])->getValue<std::string>("path"));
    }

    void testUnopenableFileKeepsTheDestination()
    {
        PipeCapture capture;
        LogPipeline pipeline(capture.fd());
        {
            AccessLog log(*registry_, pipeline, options(capture.fd()));
            try
            {
                log.configure(fileSettings("/nonexistent-portico-dir/access.log"));
                CPPUNIT_FAIL("expected a ConfigError");
            }
            catch (const portico::ConfigError& e)
            {
                CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "test.ini: [log] access_file: cannot open "
                                                                    "/nonexistent-portico-dir/access.log"));
            }
            log.record(*exchange("GET", "/still-here", 200), Outcome::Completed);
        }
        pipeline.flush(); // the server log is written by its own thread
        CPPUNIT_ASSERT(contains(capture.finish(), "/still-here"));
    }

    void testCheck()
    {
        TempDir dir;
        AccessLog::check(AccessLogSettings{}); // stderr: nothing to check
        AccessLog::check(fileSettings(dir.file("access.log")));
        CPPUNIT_ASSERT_THROW(AccessLog::check(fileSettings("/nonexistent-portico-dir/access.log")), portico::ConfigError);
    }

private:
    static AccessLogOptions options(int fd, std::size_t queueBytes = 8 * 1024 * 1024)
    {
        AccessLogOptions options;
        options.streamFd = fd;
        options.queueBytes = queueBytes;
        return options;
    }

    static void waitForFile(const std::string& file, const std::string& needle)
    {
        for (int i = 0; i < 500; ++i)
        {
            if (contains(portico::test::readFile(file), needle))
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        CPPUNIT_FAIL(needle + " never reached " + file);
    }

    std::unique_ptr<prometheus::Registry> registry_;
    Poco::Channel::Ptr savedChannel_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(AccessLogTest);
