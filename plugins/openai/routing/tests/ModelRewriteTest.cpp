// withModel: the deployment's model spliced into the client's body (every other byte kept),
// added when absent, escaped as JSON, and the full parse for bodies the scanner leaves alone
// (escaped keys, a duplicated "model", nesting at the scanner's limit).

#include "routing/ModelRewrite.h"
#include "upstream/JsonObjectScanner.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::openai;

namespace {

Poco::JSON::Object::Ptr parse(const std::string& text)
{
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::size_t occurrences(const std::string& text, const std::string& part)
{
    std::size_t count = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
        ++count;
    return count;
}

/// Asserts that `text` parses as a JSON object whose "model" is `model`; returns it.
Poco::JSON::Object::Ptr assertModel(const std::string& text, const std::string& model)
{
    Poco::JSON::Object::Ptr object;
    try
    {
        object = parse(text);
    }
    catch (const Poco::Exception& e)
    {
        CPPUNIT_FAIL("not JSON: " + text + " (" + e.displayText() + ")");
    }
    CPPUNIT_ASSERT_MESSAGE(text, object->has("model"));
    CPPUNIT_ASSERT_EQUAL(model, object->getValue<std::string>("model"));
    return object;
}

} // namespace

class ModelRewriteTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ModelRewriteTest);
    CPPUNIT_TEST(testReplacesTheValueOnly);
    CPPUNIT_TEST(testReplacesAnyValueType);
    CPPUNIT_TEST(testNestedModelKeysAreLeftAlone);
    CPPUNIT_TEST(testAddsModelWhenAbsent);
    CPPUNIT_TEST(testEscapesTheModelName);
    CPPUNIT_TEST(testEscapedKeyFallsBackToAParse);
    CPPUNIT_TEST(testDuplicatedModelFallsBackToAParse);
    CPPUNIT_TEST(testDeepBodyFallsBackToAParse);
    CPPUNIT_TEST_SUITE_END();

public:
    void testReplacesTheValueOnly()
    {
        const std::string body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi \\u00e9 \\\"q\\\"\"}],\n"
                                 "  \"model\" :  \"chat\" ,\"stream\":true,\"temperature\":0.25}";
        const std::string expected = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi \\u00e9 \\\"q\\\"\"}],\n"
                                     "  \"model\" :  \"gpt-4o-2024-08-06\" ,\"stream\":true,\"temperature\":0.25}";
        CPPUNIT_ASSERT_EQUAL(expected, withModel(body, "gpt-4o-2024-08-06", 64));
        // First and last member, shorter and longer names.
        CPPUNIT_ASSERT_EQUAL(std::string("{\"model\":\"m\",\"n\":1}"), withModel("{\"model\":\"much-longer\",\"n\":1}", "m", 64));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"n\":1,\"model\":\"llama3:8b\"}"),
                             withModel("{\"n\":1,\"model\":\"x\"}", "llama3:8b", 64));
        CPPUNIT_ASSERT_EQUAL(std::string(" {\"model\":\"b\"}\n"), withModel(" {\"model\":\"a\"}\n", "b", 64));
    }

    void testReplacesAnyValueType()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("{\"model\":\"m\",\"x\":2}"), withModel("{\"model\":null,\"x\":2}", "m", 64));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"model\":\"m\"}"), withModel("{\"model\":12}", "m", 64));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"model\":\"m\",\"x\":[]}"),
                             withModel("{\"model\":{\"a\":[1,{\"model\":\"z\"}]},\"x\":[]}", "m", 64));
        // An escaped value is replaced whole.
        CPPUNIT_ASSERT_EQUAL(std::string("{\"model\":\"m\"}"), withModel("{\"model\":\"a\\\"b\\\\\"}", "m", 64));
    }

    void testNestedModelKeysAreLeftAlone()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("{\"metadata\":{\"model\":\"keep\"},\"model\":\"new\",\"tools\":[{\"model\":1}]}"),
                             withModel("{\"metadata\":{\"model\":\"keep\"},\"model\":\"old\",\"tools\":[{\"model\":1}]}",
                                       "new", 64));
        // Only nested ones: one is added at the top.
        const std::string out = withModel("{\"metadata\":{\"model\":\"keep\"}}", "new", 64);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"model\":\"new\",\"metadata\":{\"model\":\"keep\"}}"), out);
        // A string value "model" is no key.
        CPPUNIT_ASSERT_EQUAL(std::string("{\"model\":\"new\",\"a\":\"model\"}"), withModel("{\"a\":\"model\"}", "new", 64));
    }

    void testAddsModelWhenAbsent()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("{\"model\":\"m\"}"), withModel("{}", "m", 64));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"model\":\"m\" }"), withModel("{ }", "m", 64));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"model\":\"m\"\n}"), withModel("{\n}", "m", 64));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"model\":\"m\",\"input\":\"hi\"}"), withModel("{\"input\":\"hi\"}", "m", 64));
        CPPUNIT_ASSERT_EQUAL(std::string("  {\"model\":\"m\",\n  \"a\": 1,\n  \"b\": [1, 2]\n}"),
                             withModel("  {\n  \"a\": 1,\n  \"b\": [1, 2]\n}", "m", 64));
        for (const char* body : {"{}", "{ }", "{\t\r\n}", " { \"a\" : { } } ", "{\"a\":1,\"b\":{\"c\":[]}}"})
        {
            const std::string out = withModel(body, "m", 64);
            assertModel(out, "m");
            CPPUNIT_ASSERT_EQUAL(std::size_t(1), occurrences(out, "\"model\""));
        }
        auto object = assertModel(withModel("{\"a\":1,\"b\":{\"c\":[]}}", "m", 64), "m");
        CPPUNIT_ASSERT_EQUAL(1, object->getValue<int>("a"));
        CPPUNIT_ASSERT(object->getObject("b")->getArray("c")->size() == 0);
    }

    void testEscapesTheModelName()
    {
        const std::string name = "we\"ird\\name\n\x01/é";
        const std::string replaced = withModel("{\"model\":\"x\",\"n\":1}", name, 64);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"model\":\"we\\\"ird\\\\name\\n\\u0001/é\",\"n\":1}"), replaced);
        assertModel(replaced, name);
        const std::string added = withModel("{\"n\":1}", name, 64);
        auto object = assertModel(added, name);
        CPPUNIT_ASSERT_EQUAL(1, object->getValue<int>("n"));
        assertModel(withModel("{}", name, 64), name);
    }

    void testEscapedKeyFallsBackToAParse()
    {
        // "mod\u0065l" is "model": the scanner cannot compare it, the parser decides.
        const std::string out = withModel("{\"mod\\u0065l\":\"old\",\"n\":[1,2],\"s\":\"t\"}", "new", 64);
        auto object = assertModel(out, "new");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), object->size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), object->getArray("n")->size());
        CPPUNIT_ASSERT_EQUAL(std::string("t"), object->getValue<std::string>("s"));
        CPPUNIT_ASSERT(out.find("old") == std::string::npos);
        // An escaped key that is some other name: the model is still set, the member kept.
        const std::string other = withModel("{\"a\\\"b\":1,\"model\":\"old\"}", "new", 64);
        auto kept = assertModel(other, "new");
        CPPUNIT_ASSERT_EQUAL(1, kept->getValue<int>("a\"b"));
        // And when the body has no model at all.
        assertModel(withModel("{\"\\u0061\":1}", "new", 64), "new");
    }

    void testDuplicatedModelFallsBackToAParse()
    {
        const std::string out = withModel("{\"model\":\"a\",\"x\":[1,2],\"model\":\"b\"}", "new", 64);
        auto object = assertModel(out, "new");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), occurrences(out, "\"model\""));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), object->getArray("x")->size());
        CPPUNIT_ASSERT(out.find("\"a\"") == std::string::npos && out.find("\"b\"") == std::string::npos);
    }

    void testDeepBodyFallsBackToAParse()
    {
        // Nesting at the scanner's limit (one below maxDepth): it gives up, the parser rewrites.
        const std::string body = "{\"a\":{\"b\":{\"c\":{\"d\":1}}},\"model\":\"old\"}";
        JsonObjectScanner scanner(body, 4);
        JsonMember member;
        while (scanner.next(member))
        {
        }
        CPPUNIT_ASSERT(!scanner.ok()); // this is the fallback path
        const std::string out = withModel(body, "new", 4);
        auto object = assertModel(out, "new");
        CPPUNIT_ASSERT_EQUAL(1, object->getObject("a")->getObject("b")->getObject("c")->getValue<int>("d"));
        // With room to spare the splice keeps the bytes.
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":{\"b\":{\"c\":{\"d\":1}}},\"model\":\"new\"}"), withModel(body, "new", 64));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ModelRewriteTest);
