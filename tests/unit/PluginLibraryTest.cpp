// PluginLibrary: the built security.so loads and its factory works; every broken library is
// refused before anything in it is called, with the file and both values in the message.

#include "ChainHarness.h"
#include "TempDir.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include "plugin/PluginLibrary.h"
#include "portico/Plugin.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>

using portico::PluginLibrary;
using portico::test::messageOf;

namespace {

std::string builtPlugin(const std::string& name)
{
    return std::string(PORTICO_BUILD_DIR) + "/plugins/" + name + ".so";
}

std::string fixture(const std::string& name)
{
    return std::string(PORTICO_BUILD_DIR) + "/fixtures/" + name + ".so";
}

std::string refusal(const std::string& file, const std::string& name)
{
    return messageOf([&] { PluginLibrary::open(file, name); });
}

} // namespace

class PluginLibraryTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(PluginLibraryTest);
    CPPUNIT_TEST(testFileFor);
    CPPUNIT_TEST(testGoodLibrary);
    CPPUNIT_TEST(testGoodLibraryFactoryMakesAWorkingPlugin);
    CPPUNIT_TEST(testOpeningTwiceGivesTheSameDescriptor);
    CPPUNIT_TEST(testMissingFile);
    CPPUNIT_TEST(testNotASharedObject);
    CPPUNIT_TEST(testAbiMismatch);
    CPPUNIT_TEST(testPluginBuiltForAbi1IsRefused);
    CPPUNIT_TEST(testPluginBuiltForAbi2IsRefused);
    CPPUNIT_TEST(testPluginBuiltForAbi3IsRefused);
    CPPUNIT_TEST(testPluginBuiltForAbi4IsRefused);
    CPPUNIT_TEST(testPluginBuiltForAbi5IsRefused);
    CPPUNIT_TEST(testSignatureMismatch);
    CPPUNIT_TEST(testNameMismatch);
    CPPUNIT_TEST(testNoEntryPoint);
    CPPUNIT_TEST(testFailingFactoryReportsItsReason);
    CPPUNIT_TEST_SUITE_END();

public:
    void testFileFor()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("/opt/p/auth.so"), PluginLibrary::fileFor("/opt/p", "auth"));
        CPPUNIT_ASSERT_EQUAL(std::string("/opt/p/auth.so"), PluginLibrary::fileFor("/opt/p/", "auth"));
    }

    void testGoodLibrary()
    {
        const auto& descriptor = PluginLibrary::open(builtPlugin("security"), "security");
        CPPUNIT_ASSERT_EQUAL(static_cast<std::uint32_t>(PORTICO_ABI_MAJOR), descriptor.abiMajor);
        CPPUNIT_ASSERT(descriptor.abiMinor <= PORTICO_ABI_MINOR);
        CPPUNIT_ASSERT_EQUAL(std::string(PORTICO_BUILD_SIGNATURE), std::string(descriptor.buildSignature));
        CPPUNIT_ASSERT_EQUAL(std::string("security"), std::string(descriptor.name));
        CPPUNIT_ASSERT(descriptor.version && *descriptor.version);
        CPPUNIT_ASSERT(descriptor.create != nullptr);
    }

    void testGoodLibraryFactoryMakesAWorkingPlugin()
    {
        const auto& descriptor = PluginLibrary::open(builtPlugin("security"), "security");
        portico::test::TestPluginContext context("[security]\nframe_options = SAMEORIGIN\n", "security");
        std::string error;
        std::unique_ptr<portico::Plugin> plugin(descriptor.create(context, error));
        CPPUNIT_ASSERT_MESSAGE(error, plugin != nullptr);
        CPPUNIT_ASSERT(context.config().unreadKeys().empty());

        auto exchange = portico::test::makeExchange("GET", "/");
        exchange->respond(200, "{}");
        plugin->onResponseHead(*exchange);
        CPPUNIT_ASSERT_EQUAL(std::string("SAMEORIGIN"), exchange->response().headers.get("X-Frame-Options"));
        CPPUNIT_ASSERT_EQUAL(std::string("nosniff"), exchange->response().headers.get("X-Content-Type-Options"));

        // A bad section: the factory returns nothing and says why (no exception crosses).
        portico::test::TestPluginContext bad("[security]\nframe_options =\n", "security");
        std::unique_ptr<portico::Plugin> refused(descriptor.create(bad, error));
        CPPUNIT_ASSERT(refused == nullptr);
        PORTICO_ASSERT_CONTAINS(error, "[security] frame_options");
    }

    void testOpeningTwiceGivesTheSameDescriptor()
    {
        const auto& first = PluginLibrary::open(builtPlugin("tracing"), "tracing");
        const auto& second = PluginLibrary::open(builtPlugin("tracing"), "tracing");
        CPPUNIT_ASSERT_EQUAL(&first, &second);
    }

    void testMissingFile()
    {
        const std::string file = fixture("no_such_plugin");
        const std::string message = refusal(file, "no_such_plugin");
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, "'no_such_plugin'");
        PORTICO_ASSERT_CONTAINS(message, "no library");
    }

    void testNotASharedObject()
    {
        portico::test::TempDir dir;
        const std::string file = dir.write("junk.so", "this is not an ELF file\n");
        const std::string message = refusal(file, "junk");
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, "cannot load plugin library");
    }

    void testAbiMismatch()
    {
        const std::string file = fixture("abi_mismatch");
        const std::string message = refusal(file, "abi_mismatch");
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, "ABI major version " + std::to_string(PORTICO_ABI_MAJOR + 998));
        PORTICO_ASSERT_CONTAINS(message, "porticod's " + std::to_string(PORTICO_ABI_MAJOR));
    }

    void testPluginBuiltForAbi1IsRefused()
    {
        // ABI 2 changed Response::headers to portico::HeaderList: a 1.x plugin must not load.
        const std::string file = fixture("abi_v1");
        const std::string message = refusal(file, "abi_v1");
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, "ABI major version 1 ");
        PORTICO_ASSERT_CONTAINS(message, "porticod's 6");
    }

    void testPluginBuiltForAbi2IsRefused()
    {
        // ABI 3 (the event-driven core) changed the stream interface, attributes and the
        // Exchange's layout: a 2.x plugin must not load.
        const std::string file = fixture("abi_v2");
        const std::string message = refusal(file, "abi_v2");
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, "ABI major version 2 ");
        PORTICO_ASSERT_CONTAINS(message, "porticod's 6");
    }

    void testPluginBuiltForAbi3IsRefused()
    {
        // ABI 4 (streamed request bodies) changed Route, Exchange and UpstreamRequest: a 3.x
        // plugin must not load.
        const std::string file = fixture("abi_v3");
        const std::string message = refusal(file, "abi_v3");
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, "ABI major version 3 ");
        PORTICO_ASSERT_CONTAINS(message, "porticod's 6");
    }

    void testPluginBuiltForAbi4IsRefused()
    {
        // ABI 5 (the admin listener) changed Route and Exchange: a 4.x plugin must not load.
        const std::string file = fixture("abi_v4");
        const std::string message = refusal(file, "abi_v4");
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, "ABI major version 4 ");
        PORTICO_ASSERT_CONTAINS(message, "porticod's 6");
    }

    void testPluginBuiltForAbi5IsRefused()
    {
        // ABI 6 (HeaderList keeps cleared entries for reuse) changed HeaderList's layout, and
        // with it Exchange's and Response's: a 5.x plugin must not load.
        CPPUNIT_ASSERT_EQUAL(6, PORTICO_ABI_MAJOR);
        const std::string file = fixture("abi_v5");
        const std::string message = refusal(file, "abi_v5");
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, "ABI major version 5 ");
        PORTICO_ASSERT_CONTAINS(message, "porticod's 6");
    }

    void testSignatureMismatch()
    {
        const std::string file = fixture("signature_mismatch");
        const std::string message = refusal(file, "signature_mismatch");
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, "'msvc-19;cxx11abi=0;poco=0x01000000'");
        PORTICO_ASSERT_CONTAINS(message, std::string("'") + PORTICO_BUILD_SIGNATURE + "'");
    }

    void testNameMismatch()
    {
        const std::string file = fixture("name_mismatch");
        const std::string message = refusal(file, "name_mismatch");
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, "'somebody_else'");
        PORTICO_ASSERT_CONTAINS(message, "'name_mismatch'");
    }

    void testNoEntryPoint()
    {
        const std::string file = fixture("no_entry_point");
        const std::string message = refusal(file, "no_entry_point");
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, PORTICO_ENTRY_POINT);
    }

    void testFailingFactoryReportsItsReason()
    {
        // Its descriptor is fine: the loader accepts it, and its factory refuses with a reason.
        const auto& descriptor = PluginLibrary::open(fixture("failing_factory"), "failing_factory");
        portico::test::TestPluginContext context("", "failing_factory");
        std::string error;
        CPPUNIT_ASSERT(descriptor.create(context, error) == nullptr);
        PORTICO_ASSERT_CONTAINS(error, "failing_factory refuses to start");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PluginLibraryTest);
