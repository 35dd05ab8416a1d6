// portico-embed: unit length, determinism (fixed reference values), similarity that follows
// shared words, dimensions, token inputs, and the float / base64 encodings.

#include "EmbeddingEncoding.h"
#include "HashingEmbedder.h"
#include "Poco/Base64Decoder.h"
#include <cmath>
#include <cppunit/extensions/HelperMacros.h>
#include <sstream>

using portico::openai::embeddingAsBase64;
using portico::openai::embeddingAsJsonArray;
using portico::openai::embeddingFromBase64;
using portico::openai::HashingEmbedder;

namespace {

double norm(const std::vector<float>& v)
{
    double sum = 0;
    for (float x : v)
        sum += static_cast<double>(x) * x;
    return std::sqrt(sum);
}

double cosine(const std::vector<float>& a, const std::vector<float>& b)
{
    double dot = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        dot += static_cast<double>(a[i]) * b[i];
    return dot / (norm(a) * norm(b));
}

} // namespace

class EmbedderTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(EmbedderTest);
    CPPUNIT_TEST(testUnitLength);
    CPPUNIT_TEST(testDeterministicAcrossCallsAndMachines);
    CPPUNIT_TEST(testSharedWordsAreCloser);
    CPPUNIT_TEST(testCaseAndPunctuationDoNotMatter);
    CPPUNIT_TEST(testDimensionsHonoured);
    CPPUNIT_TEST(testTokenInputs);
    CPPUNIT_TEST(testNoFeaturesStillUnitLength);
    CPPUNIT_TEST(testBase64IsLittleEndianFloat32);
    CPPUNIT_TEST(testBase64RoundTripEqualsFloatText);
    CPPUNIT_TEST_SUITE_END();

public:
    void testUnitLength()
    {
        for (std::size_t dims : {1, 2, 8, 256, 3072})
            for (const char* text : {"hello", "The quick brown fox jumps over the lazy dog", "x y z"})
                CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, norm(HashingEmbedder::embedText(text, dims)), 1e-6);
    }

    void testDeterministicAcrossCallsAndMachines()
    {
        const auto a = HashingEmbedder::embedText("deterministic embeddings", 16);
        CPPUNIT_ASSERT(a == HashingEmbedder::embedText("deterministic embeddings", 16));
        // Pinned values (the hash was checked against an independent Python implementation): plain
        // 64-bit integer arithmetic, so these hold on every machine.
        // (A change here changes every stored vector of every user: do it on purpose only.)
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0x8645f2b6f9c27cc5ull), HashingEmbedder::hash('w', "hello"));
        const auto pinned = HashingEmbedder::embedText("hello world", 4);
        const std::vector<float> expected{-0.38974187f, -0.6495698f, -0.6495698f, -0.06495698f};
        for (std::size_t i = 0; i < expected.size(); ++i)
            CPPUNIT_ASSERT_DOUBLES_EQUAL(expected[i], pinned[i], 1e-7);
    }

    void testSharedWordsAreCloser()
    {
        const std::size_t dims = 256;
        const auto cat = HashingEmbedder::embedText("the cat sat on the mat", dims);
        const auto cat2 = HashingEmbedder::embedText("a cat sat on a mat", dims);
        const auto other = HashingEmbedder::embedText("quarterly revenue grew in europe", dims);
        const double related = cosine(cat, cat2);
        const double unrelated = cosine(cat, other);
        CPPUNIT_ASSERT_MESSAGE("related " + std::to_string(related) + " unrelated " + std::to_string(unrelated),
                               related > 0.5 && related > unrelated + 0.4);
        // Morphology: character trigrams bring "embedding" and "embeddings" together.
        const double morph = cosine(HashingEmbedder::embedText("embedding", dims),
                                    HashingEmbedder::embedText("embeddings", dims));
        CPPUNIT_ASSERT(morph > 0.3);
    }

    void testCaseAndPunctuationDoNotMatter()
    {
        CPPUNIT_ASSERT(HashingEmbedder::embedText("Hello, World!", 64) == HashingEmbedder::embedText("hello world", 64));
    }

    void testDimensionsHonoured()
    {
        for (std::size_t dims : {1, 3, 17, 1536})
            CPPUNIT_ASSERT_EQUAL(dims, HashingEmbedder::embedText("size check", dims).size());
    }

    void testTokenInputs()
    {
        const auto a = HashingEmbedder::embedTokens({1, 2, 3, 4}, 64);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, norm(a), 1e-6);
        CPPUNIT_ASSERT(a == HashingEmbedder::embedTokens({1, 2, 3, 4}, 64));
        CPPUNIT_ASSERT(cosine(a, HashingEmbedder::embedTokens({1, 2, 3, 5}, 64)) >
                       cosine(a, HashingEmbedder::embedTokens({90, 91, 92, 93}, 64)));
    }

    void testNoFeaturesStillUnitLength()
    {
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, norm(HashingEmbedder::embedText("   ", 32)), 1e-6);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, norm(HashingEmbedder::embedText("?!", 32)), 1e-6);
    }

    void testBase64IsLittleEndianFloat32()
    {
        // 1.0f is 00 00 80 3f little-endian; -2.0f is 00 00 00 c0.
        CPPUNIT_ASSERT_EQUAL(std::string("AACAPwAAAMA="), embeddingAsBase64({1.0f, -2.0f}));
        // No line breaks, however long (Poco's encoder breaks at 72 characters by default).
        const std::string longer = embeddingAsBase64(std::vector<float>(300, 0.5f));
        CPPUNIT_ASSERT(longer.find('\n') == std::string::npos && longer.find('\r') == std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1600), longer.size());
    }

    void testBase64RoundTripEqualsFloatText()
    {
        const auto vector = HashingEmbedder::embedText("round trip of every float", 512);
        CPPUNIT_ASSERT(vector == embeddingFromBase64(embeddingAsBase64(vector)));
        // The float text reads back as exactly the same float32 values.
        std::string text = embeddingAsJsonArray(vector);
        CPPUNIT_ASSERT_EQUAL('[', text.front());
        std::istringstream in(text.substr(1, text.size() - 2));
        std::vector<float> parsed;
        for (std::string item; std::getline(in, item, ',');)
            parsed.push_back(std::strtof(item.c_str(), nullptr));
        CPPUNIT_ASSERT(vector == parsed);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EmbedderTest);
