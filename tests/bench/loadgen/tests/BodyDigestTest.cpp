// BodyDigest: the volatile values are normalised, everything else counts, any split of the bytes
// gives the same digest.

#include "BodyDigest.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::loadgen::BodyDigest;

namespace {

std::uint64_t digestOf(const std::string& body, std::size_t piece = 0)
{
    BodyDigest digest;
    if (piece == 0)
        digest.feed(body);
    else
        for (std::size_t at = 0; at < body.size(); at += piece)
            digest.feed(std::string_view(body).substr(at, piece));
    digest.finish();
    return digest.value();
}

const std::string chunkA =
    "data: {\"id\":\"chatcmpl-abc123\",\"object\":\"chat.completion.chunk\",\"created\":1712345678,"
    "\"model\":\"portico-echo\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" w1\"}}]}\n\n";
const std::string chunkB =
    "data: {\"id\":\"chatcmpl-zzz999\",\"object\":\"chat.completion.chunk\",\"created\":1799999999,"
    "\"model\":\"portico-echo\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" w1\"}}]}\n\n";

} // namespace

class BodyDigestTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(BodyDigestTest);
    CPPUNIT_TEST(testNormalisesIdsAndTimestamps);
    CPPUNIT_TEST(testLeavesTheRestAlone);
    CPPUNIT_TEST(testOtherValuesCount);
    CPPUNIT_TEST(testAnySplit);
    CPPUNIT_TEST(testKeepsTextAndBytes);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNormalisesIdsAndTimestamps()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("{\"id\":\"*\",\"created\":0,\"x\":1}"),
                             BodyDigest::normaliseLine("{\"id\":\"chatcmpl-1\",\"created\":123,\"x\":1}"));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"id\" : \"*\", \"created_at\": 0, \"item_id\":\"*\", \"response_id\":\"*\"}"),
                             BodyDigest::normaliseLine("{\"id\" : \"resp_9\", \"created_at\": 1.5e9, \"item_id\":\"msg_1\", \"response_id\":\"resp_9\"}"));
        // Nested objects, escaped quotes inside an id, several per line.
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":{\"id\":\"*\"},\"b\":[{\"id\":\"*\"}],\"completed_at\":0}"),
                             BodyDigest::normaliseLine("{\"a\":{\"id\":\"x\\\"y\"},\"b\":[{\"id\":\"z\"}],\"completed_at\":17}"));
        CPPUNIT_ASSERT_EQUAL(digestOf(chunkA + "data: [DONE]\n\n"), digestOf(chunkB + "data: [DONE]\n\n"));
    }

    void testLeavesTheRestAlone()
    {
        // Not keys: inside a string (escaped quotes), another key ending in "id", non-matching types.
        const std::string line = "{\"content\":\"\\\"id\\\":\\\"keep\\\"\",\"uuid\":\"keep\",\"created\":null,\"id\":7}";
        CPPUNIT_ASSERT_EQUAL(line, BodyDigest::normaliseLine(line));
        CPPUNIT_ASSERT_EQUAL(std::string("data: [DONE]"), BodyDigest::normaliseLine("data: [DONE]"));
    }

    void testOtherValuesCount()
    {
        std::string other = chunkA;
        other.replace(other.find(" w1"), 3, " w2");
        CPPUNIT_ASSERT(digestOf(chunkA) != digestOf(other));
        // Framing counts: a missing blank line, CRLF for LF, a missing last newline.
        CPPUNIT_ASSERT(digestOf(chunkA) != digestOf(chunkA.substr(0, chunkA.size() - 1)));
        std::string crlf = chunkA;
        crlf.insert(crlf.size() - 2, "\r");
        CPPUNIT_ASSERT(digestOf(chunkA) != digestOf(crlf));
        CPPUNIT_ASSERT(digestOf("a\n") != digestOf("a"));
    }

    void testAnySplit()
    {
        const std::string body = chunkA + chunkB + "data: [DONE]\n\n";
        const std::uint64_t whole = digestOf(body);
        for (std::size_t piece : {1, 2, 3, 7, 64, 1000})
            CPPUNIT_ASSERT_EQUAL(whole, digestOf(body, piece));
    }

    void testKeepsTextAndBytes()
    {
        BodyDigest kept(true);
        kept.feed(chunkA);
        kept.finish();
        CPPUNIT_ASSERT_EQUAL(static_cast<unsigned long long>(chunkA.size()), kept.bytes());
        CPPUNIT_ASSERT(kept.text().find("\"id\":\"*\"") != std::string::npos);
        CPPUNIT_ASSERT(kept.text().find("\"created\":0,") != std::string::npos);
        BodyDigest dropped;
        dropped.feed(chunkA);
        CPPUNIT_ASSERT(dropped.text().empty());
        CPPUNIT_ASSERT_EQUAL(std::string("00000000000000ff"), BodyDigest::hex(255));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(BodyDigestTest);
