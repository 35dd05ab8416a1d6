// The redaction plugin's log filter through a real LogPipeline, as porticod runs it: the plugin
// adds one filter to its chain; with that chain's filters in the pipeline every logger (made
// before or after, the root too) and every access-log line comes out redacted; a reload swaps
// in the new chain's filters, a chain without redaction switches it off; lines logged from
// several threads while reloads swap the filters never get through unredacted.

#include "RedactionFilter.h"
#include "RedactionPlugin.h"
#include "RedactionTestSupport.h"
#include "PipeCapture.h"
#include "log/LogPipeline.h"
#include "Poco/Logger.h"
#include <atomic>
#include <cppunit/extensions/HelperMacros.h>
#include <thread>

using portico::LogPipeline;
using portico::redaction::RedactionFilter;
using portico::redaction::RedactionPlugin;
using portico::redaction::test::Context;
using portico::test::PipeCapture;

namespace {

const std::string Key = "sk-proj-RedactionFilterTest0123456789";

bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace

class RedactionFilterTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RedactionFilterTest);
    CPPUNIT_TEST(testThePluginAddsOneFilter);
    CPPUNIT_TEST(testFilterAlone);
    CPPUNIT_TEST(testEveryLoggerIsCovered);
    CPPUNIT_TEST(testAccessLinesAreCovered);
    CPPUNIT_TEST(testReloadSwapsTheFilters);
    CPPUNIT_TEST(testLoggingWhileReloading);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        savedChannel_ = Poco::Logger::root().getChannel();
        savedLevel_ = Poco::Logger::root().getLevel();
        capture_ = std::make_unique<PipeCapture>();
        pipeline_ = std::make_unique<LogPipeline>(capture_->fd());
        pipeline_->install();
        pipeline_->setLevel("information");
    }

    void tearDown() override
    {
        // Poco's loggers are global: give them back their channel before the pipe goes.
        Poco::Logger::setChannel("", savedChannel_);
        Poco::Logger::setLevel("", savedLevel_);
        pipeline_.reset();
        capture_.reset();
    }

    void testThePluginAddsOneFilter()
    {
        Context context("[redaction]\n", "redaction");
        RedactionPlugin plugin(context);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), context.logFilters().size());
        CPPUNIT_ASSERT(dynamic_cast<const RedactionFilter*>(context.logFilters().front().get()));
    }

    void testFilterAlone()
    {
        Context context("[redaction]\n", "redaction");
        RedactionPlugin plugin(context);
        const auto& filter = *context.logFilters().front();
        std::string line = "key " + Key + " and Bearer abc.def";
        filter.apply(line);
        CPPUNIT_ASSERT_EQUAL(std::string("key [REDACTED] and Bearer [REDACTED]"), line);
        std::string clean = "nothing to see";
        filter.apply(clean);
        CPPUNIT_ASSERT_EQUAL(std::string("nothing to see"), clean);
    }

    void testEveryLoggerIsCovered()
    {
        Poco::Logger& before = Poco::Logger::get("test.before");
        Context context("[redaction]\n", "redaction");
        RedactionPlugin plugin(context);
        pipeline_->setFilters(context.logFilters()); // the chain becomes the running one
        plugin.start();

        Poco::Logger::root().information("root " + Key);
        before.information("before " + Key);
        Poco::Logger::get("test.before.child").information("child " + Key);
        Poco::Logger::get("created.after.start").information("after " + Key);
        pipeline_->flush(); // the server log is written by its own thread
        const std::string logged = capture_->finish();
        CPPUNIT_ASSERT_MESSAGE(logged, !contains(logged, Key));
        for (const char* who : {"root", "before", "child", "after"})
            CPPUNIT_ASSERT_MESSAGE(who, contains(logged, std::string(who) + " [REDACTED]"));
        // The plugin's own start line went through the same pipeline.
        CPPUNIT_ASSERT(contains(logged, "Information portico.redaction: redacting every log line"));
    }

    void testAccessLinesAreCovered()
    {
        // What the access log's writer does with each line.
        Context context("[redaction]\n", "redaction");
        RedactionPlugin plugin(context);
        pipeline_->setFilters(context.logFilters());
        std::string line = "{\"time\":\"2026-01-02T03:04:05.678Z\",\"trace_id\":null,\"principal\":null,"
                           "\"method\":\"GET\",\"path\":\"/v1/files/" + Key + "\",\"status\":404}";
        CPPUNIT_ASSERT(pipeline_->apply(line));
        CPPUNIT_ASSERT_MESSAGE(line, contains(line, "\"path\":\"/v1/files/[REDACTED]\""));
    }

    void testReloadSwapsTheFilters()
    {
        Context oldContext("[redaction]\nbuiltins = bearer\npatterns.old = old_[0-9]{6}\n", "redaction");
        Context newContext("[redaction]\nbuiltins = bearer\npatterns.new = new_[0-9]{6}\n", "redaction");
        newContext.setReloading(true);
        RedactionPlugin oldPlugin(oldContext);
        pipeline_->setFilters(oldContext.logFilters());
        Poco::Logger& logger = Poco::Logger::get("test.reload");
        logger.information("a old_123456 new_123456");
        {
            // A reload builds the new chain while the old one runs; the swap makes it current.
            RedactionPlugin newPlugin(newContext);
            logger.information("b old_123456 new_123456");
            pipeline_->setFilters(newContext.logFilters());
            logger.information("c old_123456 new_123456");
        }
        // A reload to a chain without redaction (or with enabled = false) switches it off.
        pipeline_->setFilters({});
        logger.information("d old_123456 new_123456");
        pipeline_->flush(); // the server log is written by its own thread
        const std::string logged = capture_->finish();
        CPPUNIT_ASSERT_MESSAGE(logged, contains(logged, "a [REDACTED] new_123456"));
        CPPUNIT_ASSERT_MESSAGE(logged, contains(logged, "b [REDACTED] new_123456"));
        CPPUNIT_ASSERT_MESSAGE(logged, contains(logged, "c old_123456 [REDACTED]"));
        CPPUNIT_ASSERT_MESSAGE(logged, contains(logged, "d old_123456 new_123456"));
    }

    void testLoggingWhileReloading()
    {
        // Every chain has redaction while reloads swap the filters (200 times at least, and
        // until the threads are done): every line logged meanwhile, from several threads, must
        // come out redacted.
        Context baseContext("[redaction]\n", "redaction");
        RedactionPlugin base(baseContext);
        pipeline_->setFilters(baseContext.logFilters());
        constexpr int Threads = 3;
        std::atomic<int> finished{0};
        std::vector<std::thread> loggers;
        for (int t = 0; t < Threads; ++t)
            loggers.emplace_back([&, t] {
                Poco::Logger& logger = Poco::Logger::get("test.thread" + std::to_string(t));
                for (int i = 0; i < 5000; ++i)
                    logger.information("line " + std::to_string(i) + " " + Key);
                ++finished;
            });
        for (int i = 0; i < 200 || finished < Threads; ++i)
        {
            Context context("[redaction]\n", "redaction");
            context.setReloading(true);
            RedactionPlugin reloaded(context);
            pipeline_->setFilters(context.logFilters());
            Poco::Logger::get("test.reload" + std::to_string(i % 5)).information("reload " + Key);
        }
        for (auto& thread : loggers)
            thread.join();
        pipeline_->flush(); // the server log is written by its own thread
        const std::string logged = capture_->finish();
        CPPUNIT_ASSERT(contains(logged, "line 4999 [REDACTED]"));
        CPPUNIT_ASSERT_MESSAGE("a line got through unredacted", !contains(logged, Key));
    }

private:
    Poco::Channel::Ptr savedChannel_;
    int savedLevel_ = 0;
    std::unique_ptr<PipeCapture> capture_;
    std::unique_ptr<LogPipeline> pipeline_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RedactionFilterTest);
