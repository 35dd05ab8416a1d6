// The tokenizer (lossless, word-sized, UTF-8 safe, counts) and portico-echo (what it answers,
// where it cuts, what it counts).

#include "EchoModel.h"
#include "Tokenizer.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::openai::Conversation;
using portico::openai::EchoAnswer;
using portico::openai::EchoModel;
using portico::openai::FinishReason;
using portico::openai::Tokenizer;

namespace {

std::string join(const std::vector<std::string_view>& tokens)
{
    std::string out;
    for (auto token : tokens)
        out += token;
    return out;
}

} // namespace

class TokenizerEchoTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(TokenizerEchoTest);
    CPPUNIT_TEST(testWordSizedTokens);
    CPPUNIT_TEST(testLossless);
    CPPUNIT_TEST(testLongWordsAndSpaceRunsAreSplit);
    CPPUNIT_TEST(testUtf8IsNeverSplit);
    CPPUNIT_TEST(testCountMatchesSplit);
    CPPUNIT_TEST(testEchoesTheLastUserMessage);
    CPPUNIT_TEST(testEchoWithoutUserMessage);
    CPPUNIT_TEST(testMaxOutputTokensCuts);
    CPPUNIT_TEST(testStopSequenceCuts);
    CPPUNIT_TEST(testInputTokensCountInstructionsAndEveryTurn);
    CPPUNIT_TEST_SUITE_END();

public:
    void testWordSizedTokens()
    {
        const auto tokens = Tokenizer::split("Hello, world!");
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), tokens.size());
        CPPUNIT_ASSERT_EQUAL(std::string("Hello"), std::string(tokens[0]));
        CPPUNIT_ASSERT_EQUAL(std::string(","), std::string(tokens[1]));
        CPPUNIT_ASSERT_EQUAL(std::string(" world"), std::string(tokens[2]));
        CPPUNIT_ASSERT_EQUAL(std::string("!"), std::string(tokens[3]));
        CPPUNIT_ASSERT(Tokenizer::split("").empty());
    }

    void testLossless()
    {
        for (const std::string text : {"  leading and trailing  ", "a\n\nb\tc", "x", " ", "end.\n",
                                       "snake_case and CamelCase 12345678901234"})
            CPPUNIT_ASSERT_EQUAL(text, join(Tokenizer::split(text)));
    }

    void testLongWordsAndSpaceRunsAreSplit()
    {
        // 20 letters: pieces of at most 8 characters.
        const auto tokens = Tokenizer::split("abcdefghijklmnopqrst");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), tokens.size());
        CPPUNIT_ASSERT_EQUAL(std::string("abcdefgh"), std::string(tokens[0]));
        const std::string spaced = std::string(40, ' ') + "x";
        const auto spaceTokens = Tokenizer::split(spaced);
        CPPUNIT_ASSERT_EQUAL(spaced, join(spaceTokens));
        for (auto token : spaceTokens)
            CPPUNIT_ASSERT(token.size() <= Tokenizer::maxSpaceRun + 1);
    }

    void testUtf8IsNeverSplit()
    {
        // Nine 2-byte and 3-byte characters in one word: cut after 8 characters, not bytes.
        const std::string word = "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xC3\xA9";
        const auto tokens = Tokenizer::split(word);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), tokens.size());
        CPPUNIT_ASSERT_EQUAL(std::string("\xC3\xA9"), std::string(tokens[1]));
        // A stray continuation byte is a character of its own and does not swallow its neighbours.
        CPPUNIT_ASSERT_EQUAL(std::string("a\x80" "b c"), join(Tokenizer::split("a\x80" "b c")));
    }

    void testCountMatchesSplit()
    {
        for (const std::string text : {"", "one", "The quick brown fox, jumps!", "  \n ", "\xF0\x9F\x98\x80 ok"})
            CPPUNIT_ASSERT_EQUAL(Tokenizer::split(text).size(), Tokenizer::count(text));
    }

    void testEchoesTheLastUserMessage()
    {
        Conversation c;
        c.turns = {{"system", "be brief"}, {"user", "first question"}, {"assistant", "an answer"},
                   {"user", "second question"}};
        EchoAnswer answer;
        EchoModel::answer(c, std::nullopt, {}, answer);
        CPPUNIT_ASSERT_EQUAL(std::string("second question"), answer.text);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), answer.outputTokens());
        CPPUNIT_ASSERT(answer.finish == FinishReason::Stop);
        CPPUNIT_ASSERT_EQUAL(answer.text, join(answer.tokens));
    }

    void testEchoWithoutUserMessage()
    {
        Conversation c;
        c.turns = {{"developer", "only instructions here"}};
        EchoAnswer answer;
        EchoModel::answer(c, std::nullopt, {}, answer);
        CPPUNIT_ASSERT_EQUAL(std::string("only instructions here"), answer.text);
    }

    void testMaxOutputTokensCuts()
    {
        Conversation c;
        c.turns = {{"user", "one two three four five"}};
        EchoAnswer answer;
        EchoModel::answer(c, 3, {}, answer);
        CPPUNIT_ASSERT_EQUAL(std::string("one two three"), answer.text);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), answer.outputTokens());
        CPPUNIT_ASSERT(answer.finish == FinishReason::Length);
        EchoAnswer exact;
        EchoModel::answer(c, 5, {}, exact);
        CPPUNIT_ASSERT(exact.finish == FinishReason::Stop);
    }

    void testStopSequenceCuts()
    {
        Conversation c;
        c.turns = {{"user", "alpha beta. gamma delta"}};
        EchoAnswer answer;
        EchoModel::answer(c, std::nullopt, {"delta", ".", ""}, answer);
        CPPUNIT_ASSERT_EQUAL(std::string("alpha beta"), answer.text);
        CPPUNIT_ASSERT(answer.finish == FinishReason::Stop);
    }

    void testInputTokensCountInstructionsAndEveryTurn()
    {
        Conversation c;
        c.instructions = "Answer kindly";
        c.turns = {{"user", "Hi there"}, {"assistant", "Hello!"}, {"user", "Bye"}};
        CPPUNIT_ASSERT_EQUAL(std::size_t(2 + 2 + 2 + 1), EchoModel::inputTokens(c));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TokenizerEchoTest);
