// The redaction plugin on real Poco loggers: the root, named loggers with their own channels,
// loggers created after start, hand-over between instances on reload, unwrapping on stop.

#include "RedactingChannel.h"
#include "RedactionPlugin.h"
#include "RedactionTestSupport.h"
#include "TempDir.h"
#include <atomic>
#include <cppunit/extensions/HelperMacros.h>
#include <thread>

using portico::redaction::RedactingChannel;
using portico::redaction::RedactionPlugin;
using portico::redaction::test::CaptureChannel;
using portico::redaction::test::Context;

namespace {

const std::string Key = "sk-proj-LogRedactionTest0123456789";

bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace

class LogRedactionTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(LogRedactionTest);
    CPPUNIT_TEST(testEveryLoggerIsCovered);
    CPPUNIT_TEST(testStopRestoresTheOriginalChannels);
    CPPUNIT_TEST(testReloadHandsOverToTheNewInstance);
    CPPUNIT_TEST(testFailedReloadHandsBackToTheRunningInstance);
    CPPUNIT_TEST(testDestroyedWithoutStopUnwraps);
    CPPUNIT_TEST(testLoggingWhileReloading);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        root_ = new CaptureChannel;
        own_ = new CaptureChannel;
        savedRoot_ = Poco::Logger::root().getChannel();
        Poco::Logger::setChannel("", root_);
        Poco::Logger::setLevel("", Poco::Message::PRIO_INFORMATION);
        // A logger with a channel of its own, as porticod's access log has.
        Poco::Logger::get("test.own").setChannel(own_);
    }

    void tearDown() override
    {
        Poco::Logger::setChannel("", savedRoot_);
    }

    void testEveryLoggerIsCovered()
    {
        Poco::Logger& before = Poco::Logger::get("test.before");
        Context context("[redaction]\n", "redaction");
        RedactionPlugin plugin(context);
        plugin.start();

        Poco::Logger::root().information("root " + Key);
        before.information("before " + Key);
        Poco::Logger::get("test.own").information("own " + Key);
        // Created after start: they copy their parent's (wrapped) channel.
        Poco::Logger::get("test.before.child").information("child " + Key);
        Poco::Logger::get("created.after.start").information("after " + Key);
        Poco::Logger::get("test.own.child").information("ownchild " + Key);

        const std::string logged = root_->text() + own_->text();
        CPPUNIT_ASSERT_MESSAGE(logged, !contains(logged, Key));
        for (const char* who : {"root", "before", "child", "after"})
            CPPUNIT_ASSERT_MESSAGE(who, contains(root_->text(), std::string(who) + " [REDACTED]"));
        CPPUNIT_ASSERT(contains(own_->text(), "own [REDACTED]"));
        CPPUNIT_ASSERT(contains(own_->text(), "ownchild [REDACTED]"));
        plugin.stop();
    }

    void testStopRestoresTheOriginalChannels()
    {
        {
            Context context("[redaction]\n", "redaction");
            RedactionPlugin plugin(context);
            plugin.start();
            CPPUNIT_ASSERT(dynamic_cast<RedactingChannel*>(Poco::Logger::root().getChannel().get()));
            plugin.stop();
        }
        CPPUNIT_ASSERT(Poco::Logger::root().getChannel().get() == root_.get());
        CPPUNIT_ASSERT(Poco::Logger::get("test.own").getChannel().get() == own_.get());
        Poco::Logger::get("test.stopped").information("plain " + Key);
        CPPUNIT_ASSERT(contains(root_->text(), "plain " + Key));
    }

    void testReloadHandsOverToTheNewInstance()
    {
        Context oldContext("[redaction]\nbuiltins = bearer\npatterns.old = old_[0-9]{6}\n", "redaction");
        Context newContext("[redaction]\nbuiltins = bearer\npatterns.new = new_[0-9]{6}\n", "redaction", true);
        auto oldPlugin = std::make_unique<RedactionPlugin>(oldContext);
        oldPlugin->start();
        RedactionPlugin newPlugin(newContext);
        newPlugin.start();
        // One wrapper, the new one, around the original channel: never a wrapper in a wrapper.
        auto* wrapper = dynamic_cast<RedactingChannel*>(Poco::Logger::root().getChannel().get());
        CPPUNIT_ASSERT(wrapper);
        CPPUNIT_ASSERT(wrapper->inner().get() == root_.get());

        oldPlugin->stop(); // the old chain retires
        oldPlugin.reset();
        Poco::Logger::get("test.reload").information("a old_123456 new_123456");
        CPPUNIT_ASSERT(contains(root_->text(), "a old_123456 [REDACTED]"));
        newPlugin.stop();
        Poco::Logger::get("test.reload").information("b new_123456");
        CPPUNIT_ASSERT(contains(root_->text(), "b new_123456"));
        CPPUNIT_ASSERT(Poco::Logger::root().getChannel().get() == root_.get());
    }

    void testFailedReloadHandsBackToTheRunningInstance()
    {
        Context runningContext("[redaction]\nbuiltins =\npatterns.old = old_[0-9]{6}\n", "redaction");
        Context failedContext("[redaction]\nbuiltins =\npatterns.new = new_[0-9]{6}\n", "redaction", true);
        RedactionPlugin running(runningContext);
        running.start();
        {
            RedactionPlugin failed(failedContext);
            failed.start();
            Poco::Logger::get("test.failed").information("during old_123456 new_123456");
            failed.stop(); // the new chain failed to start and is torn down
        }
        Poco::Logger::get("test.failed").information("after old_123456 new_123456");
        CPPUNIT_ASSERT(contains(root_->text(), "during old_123456 [REDACTED]"));
        CPPUNIT_ASSERT(contains(root_->text(), "after [REDACTED] new_123456"));
        Poco::Logger::get("test.own").information("own old_123456");
        CPPUNIT_ASSERT(contains(own_->text(), "own [REDACTED]"));
        running.stop();
    }

    void testDestroyedWithoutStopUnwraps()
    {
        {
            Context context("[redaction]\n", "redaction");
            RedactionPlugin plugin(context);
            plugin.start();
        }
        CPPUNIT_ASSERT(Poco::Logger::root().getChannel().get() == root_.get());
        CPPUNIT_ASSERT(Poco::Logger::get("test.own").getChannel().get() == own_.get());
    }

    void testLoggingWhileReloading()
    {
        // One instance stays installed throughout while others come and go (reloads): every
        // line logged meanwhile, from several threads, must come out redacted.
        Context baseContext("[redaction]\n", "redaction");
        RedactionPlugin base(baseContext);
        base.start();
        std::atomic<bool> done{false};
        std::vector<std::thread> loggers;
        for (int t = 0; t < 3; ++t)
            loggers.emplace_back([&, t] {
                Poco::Logger& logger = Poco::Logger::get("test.thread" + std::to_string(t));
                for (int i = 0; i < 20000 && !done; ++i)
                    logger.information("line " + std::to_string(i) + " " + Key);
            });
        for (int i = 0; i < 200; ++i)
        {
            Context context("[redaction]\n", "redaction", true);
            RedactionPlugin reloaded(context);
            reloaded.start();
            Poco::Logger::get("test.reload" + std::to_string(i % 5)).information("reload " + Key);
            reloaded.stop();
        }
        done = true;
        for (auto& thread : loggers)
            thread.join();
        base.stop();
        const std::string logged = root_->text();
        CPPUNIT_ASSERT(contains(logged, "[REDACTED]"));
        CPPUNIT_ASSERT_MESSAGE("a line got through unredacted", !contains(logged, Key));
    }

private:
    Poco::AutoPtr<CaptureChannel> root_;
    Poco::AutoPtr<CaptureChannel> own_;
    Poco::Channel::Ptr savedRoot_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogRedactionTest);
