// LogPipeline: the root channel it installs (the format, every logger old and new, one whole
// line per write), its filters (in order, swapped atomically while threads log, a throwing one
// never lets its line through), and the level. Lines go to a pipe read by a PipeCapture.

#include "PipeCapture.h"
#include "log/LogPipeline.h"
#include "Poco/Logger.h"
#include <atomic>
#include <cppunit/extensions/HelperMacros.h>
#include <regex>
#include <stdexcept>
#include <thread>

using portico::LogFilter;
using portico::LogPipeline;
using portico::test::PipeCapture;

namespace {

/// Replaces every occurrence of `from` by `to`.
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

/// Rewrites part of the line, then throws: what is left must not be written.
class ThrowingFilter : public LogFilter
{
public:
    void apply(std::string& line) const override
    {
        line.insert(0, "half-done ");
        throw std::runtime_error("filter broke on " + line);
    }
};

std::shared_ptr<const LogFilter> replace(const std::string& from, const std::string& to)
{
    return std::make_shared<const ReplaceFilter>(from, to);
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

} // namespace

class LogPipelineTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(LogPipelineTest);
    CPPUNIT_TEST(testFormat);
    CPPUNIT_TEST(testEveryLoggerGetsTheChannel);
    CPPUNIT_TEST(testFiltersRunInOrder);
    CPPUNIT_TEST(testApplyWithoutFilters);
    CPPUNIT_TEST(testThrowingFilterWithholdsTheLine);
    CPPUNIT_TEST(testLevel);
    CPPUNIT_TEST(testSwappingFiltersWhileLogging);
    CPPUNIT_TEST(testLongLinesAreNeverInterleaved);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        savedChannel_ = Poco::Logger::root().getChannel();
        savedLevel_ = Poco::Logger::root().getLevel();
        capture_ = std::make_unique<PipeCapture>();
        pipeline_ = std::make_unique<LogPipeline>(capture_->fd());
    }

    void tearDown() override
    {
        // Poco's loggers are global: give them back their channel before the pipe goes.
        Poco::Logger::setChannel("", savedChannel_);
        Poco::Logger::setLevel("", savedLevel_);
        pipeline_.reset();
        capture_.reset();
    }

    void testFormat()
    {
        pipeline_->install();
        pipeline_->setLevel("information");
        Poco::Logger::get("test.pipeline").notice("hello\tworld");
        const auto lines = linesOf(finish());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), lines.size());
        const std::regex format(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z Notice test\.pipeline: hello\tworld$)");
        CPPUNIT_ASSERT_MESSAGE(lines[0], std::regex_match(lines[0], format));
    }

    void testEveryLoggerGetsTheChannel()
    {
        // One made before install() with a channel of its own, as porticod's old access
        // logger had; one made after, below an existing one; one with no parent but the root.
        Poco::Logger& before = Poco::Logger::get("test.before");
        before.setChannel(nullptr);
        pipeline_->install();
        pipeline_->setLevel("information");
        pipeline_->setFilters({replace("secret", "[REDACTED]")});
        before.information("before secret");
        Poco::Logger::get("test.before.child").information("child secret");
        Poco::Logger::get("fresh.logger").information("fresh secret");
        Poco::Logger::root().information("root secret");
        const std::string text = finish();
        CPPUNIT_ASSERT_MESSAGE(text, !contains(text, "secret"));
        for (const char* line : {" test.before: before [REDACTED]", " test.before.child: child [REDACTED]",
                                 " fresh.logger: fresh [REDACTED]", " : root [REDACTED]"})
            CPPUNIT_ASSERT_MESSAGE(std::string(line) + " in:\n" + text, contains(text, line));
    }

    void testFiltersRunInOrder()
    {
        pipeline_->setFilters({replace("a", "b"), replace("b", "c")});
        std::string line = "a b";
        CPPUNIT_ASSERT(pipeline_->apply(line));
        CPPUNIT_ASSERT_EQUAL(std::string("c c"), line);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), pipeline_->filters()->size());
    }

    void testApplyWithoutFilters()
    {
        std::string line = "as it is";
        CPPUNIT_ASSERT(pipeline_->apply(line));
        CPPUNIT_ASSERT_EQUAL(std::string("as it is"), line);
        pipeline_->setFilters({replace("it", "IT")});
        pipeline_->setFilters({});
        CPPUNIT_ASSERT(pipeline_->apply(line));
        CPPUNIT_ASSERT_EQUAL(std::string("as it is"), line);
    }

    void testThrowingFilterWithholdsTheLine()
    {
        pipeline_->setFilters({replace("x", "y"), std::make_shared<const ThrowingFilter>(), replace("q", "z")});
        std::string line = "token sk-secret";
        CPPUNIT_ASSERT(!pipeline_->apply(line));
        CPPUNIT_ASSERT_EQUAL(std::string(LogPipeline::FilterFailed), line);

        // Through a logger: the line keeps its time, level and source, and loses its text.
        pipeline_->install();
        pipeline_->setLevel("information");
        Poco::Logger::get("test.throwing").error("token sk-secret");
        Poco::Logger::get("test.throwing").warning("another sk-secret");
        const auto lines = linesOf(finish());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), lines.size());
        CPPUNIT_ASSERT_MESSAGE(lines[0], contains(lines[0], std::string("Z Error test.throwing: ") + LogPipeline::FilterFailed));
        CPPUNIT_ASSERT_MESSAGE(lines[1], contains(lines[1], std::string("Z Warning test.throwing: ") + LogPipeline::FilterFailed));
        for (const auto& written : lines)
            CPPUNIT_ASSERT_MESSAGE(written, !contains(written, "sk-secret") && !contains(written, "half-done"));
    }

    void testLevel()
    {
        pipeline_->install();
        pipeline_->setLevel("warning");
        Poco::Logger& logger = Poco::Logger::get("test.level");
        logger.information("quiet");
        logger.warning("loud");
        pipeline_->setLevel("debug");
        Poco::Logger::get("test.level.later").debug("later");
        const std::string text = finish();
        CPPUNIT_ASSERT(!contains(text, "quiet"));
        CPPUNIT_ASSERT(contains(text, "test.level: loud"));
        CPPUNIT_ASSERT(contains(text, "test.level.later: later"));
        CPPUNIT_ASSERT_THROW(pipeline_->setLevel("chatty"), Poco::InvalidArgumentException);
    }

    void testSwappingFiltersWhileLogging()
    {
        // Reloads swap the filter set while every thread logs: each line is filtered by one
        // whole set, old or new, never by none.
        pipeline_->install();
        pipeline_->setLevel("information");
        pipeline_->setFilters({replace("secret", "[OLD]")});
        constexpr int Threads = 4;
        constexpr int PerThread = 2000;
        std::atomic<int> finished{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < Threads; ++t)
            threads.emplace_back([&, t] {
                Poco::Logger& logger = Poco::Logger::get("test.swap" + std::to_string(t));
                for (int i = 0; i < PerThread; ++i)
                    logger.information("line " + std::to_string(i) + " secret");
                ++finished;
            });
        for (int i = 0; finished < Threads; ++i)
            pipeline_->setFilters({replace("secret", i % 2 ? "[OLD]" : "[NEW]")});
        for (auto& thread : threads)
            thread.join();
        const auto lines = linesOf(finish());
        CPPUNIT_ASSERT_EQUAL(std::size_t(Threads * PerThread), lines.size());
        for (const auto& line : lines)
            CPPUNIT_ASSERT_MESSAGE(line, !contains(line, "secret") && (contains(line, "[OLD]") || contains(line, "[NEW]")));
    }

    void testLongLinesAreNeverInterleaved()
    {
        // Longer than PIPE_BUF, where a pipe stops keeping writes whole.
        pipeline_->install();
        pipeline_->setLevel("information");
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([t] {
                Poco::Logger& logger = Poco::Logger::get("test.long" + std::to_string(t));
                const std::string body(10000, static_cast<char>('a' + t));
                for (int i = 0; i < 50; ++i)
                    logger.information("<" + body + ">");
            });
        for (auto& thread : threads)
            thread.join();
        const auto lines = linesOf(finish());
        CPPUNIT_ASSERT_EQUAL(std::size_t(200), lines.size());
        for (const auto& line : lines)
        {
            const auto open = line.find('<');
            CPPUNIT_ASSERT(open != std::string::npos);
            const char mark = line[open + 1];
            CPPUNIT_ASSERT_EQUAL_MESSAGE(line.substr(0, 80), "<" + std::string(10000, mark) + ">", line.substr(open));
        }
    }

private:
    /// What was written: the pipeline's queue is written out first.
    std::string finish()
    {
        pipeline_->flush();
        return capture_->finish();
    }

    Poco::Channel::Ptr savedChannel_;
    int savedLevel_ = 0;
    std::unique_ptr<PipeCapture> capture_;
    std::unique_ptr<LogPipeline> pipeline_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogPipelineTest);
