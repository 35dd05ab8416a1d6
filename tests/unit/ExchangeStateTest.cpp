// Exchange's per-request plugin state (StateSlot, emplaceState, state): every slot finds its own
// state, a replaced or finished state is destroyed exactly once, and the states that fit live in
// the Exchange itself (no heap object per request) while larger ones still work from the heap.
// And its attributes set every way a plugin can (copy, move, C string, view).

#include "portico/AttributeKey.h"
#include "portico/Exchange.h"
#include <cppunit/extensions/HelperMacros.h>
#include <array>
#include <memory>
#include <string>

using portico::Exchange;
using portico::StateSlot;

namespace {

/// Counts its destructions in a counter the test owns.
struct Counted
{
    Counted(int* destroyed, std::string text) : destroyed(destroyed), text(std::move(text)) {}
    ~Counted() { ++*destroyed; }
    int* destroyed;
    std::string text;
};

/// Bigger than the Exchange's own state space.
struct Large
{
    explicit Large(int* destroyed) : destroyed(destroyed) {}
    ~Large() { ++*destroyed; }
    int* destroyed;
    std::array<char, 4096> bytes{};
};

std::unique_ptr<Exchange> newExchange()
{
    return std::make_unique<Exchange>("GET", "/x", portico::HeaderList(), std::string(), "127.0.0.1");
}

bool inside(const void* object, const Exchange& exchange)
{
    const auto* at = static_cast<const unsigned char*>(object);
    const auto* begin = reinterpret_cast<const unsigned char*>(&exchange);
    return at >= begin && at < begin + sizeof(Exchange);
}

} // namespace

class ExchangeStateTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ExchangeStateTest);
    CPPUNIT_TEST(testEverySlotFindsItsOwnState);
    CPPUNIT_TEST(testSmallStatesLiveInTheExchangeLargeOnesOnTheHeap);
    CPPUNIT_TEST(testReplacedAndFinishedStatesAreDestroyedOnce);
    CPPUNIT_TEST(testNoSlotFindsNothingAndCannotStore);
    CPPUNIT_TEST(testAttributesSetByCopyMoveAndView);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEverySlotFindsItsOwnState()
    {
        int destroyed = 0;
        {
            auto exchange = newExchange();
            // Past the slots the Exchange holds itself (8), and not in order.
            for (std::uint32_t index : {11u, 0u, 7u, 8u, 3u, 20u})
                exchange->emplaceState(StateSlot<Counted>(index), &destroyed, "slot " + std::to_string(index));
            for (std::uint32_t index : {11u, 0u, 7u, 8u, 3u, 20u})
            {
                const Counted* state = exchange->state(StateSlot<Counted>(index));
                CPPUNIT_ASSERT(state != nullptr);
                CPPUNIT_ASSERT_EQUAL("slot " + std::to_string(index), state->text);
            }
            for (std::uint32_t index : {1u, 2u, 9u, 12u, 19u, 21u, 1000u})
                CPPUNIT_ASSERT(exchange->state(StateSlot<Counted>(index)) == nullptr);
        }
        CPPUNIT_ASSERT_EQUAL(6, destroyed);
    }

    void testSmallStatesLiveInTheExchangeLargeOnesOnTheHeap()
    {
        int destroyed = 0;
        {
            auto exchange = newExchange();
            Counted& small = exchange->emplaceState(StateSlot<Counted>(0), &destroyed, std::string(100, 's'));
            CPPUNIT_ASSERT(inside(&small, *exchange));
            Large& large = exchange->emplaceState(StateSlot<Large>(1), &destroyed);
            CPPUNIT_ASSERT(!inside(&large, *exchange));
            large.bytes[4095] = 'x';
            // Until the space is used up; then the heap.
            int insideCount = 0;
            int heapCount = 0;
            for (std::uint32_t index = 2; index < 40; ++index)
            {
                Counted& more = exchange->emplaceState(StateSlot<Counted>(index), &destroyed, "m");
                (inside(&more, *exchange) ? insideCount : heapCount)++;
            }
            CPPUNIT_ASSERT(insideCount > 0);
            CPPUNIT_ASSERT(heapCount > 0);
            CPPUNIT_ASSERT_EQUAL(std::string(100, 's'), exchange->state(StateSlot<Counted>(0))->text);
            CPPUNIT_ASSERT_EQUAL('x', exchange->state(StateSlot<Large>(1))->bytes[4095]);
        }
        CPPUNIT_ASSERT_EQUAL(40, destroyed);
    }

    void testReplacedAndFinishedStatesAreDestroyedOnce()
    {
        int destroyed = 0;
        {
            auto exchange = newExchange();
            exchange->emplaceState(StateSlot<Counted>(2), &destroyed, "first");
            exchange->emplaceState(StateSlot<Counted>(2), &destroyed, "second");
            CPPUNIT_ASSERT_EQUAL(1, destroyed);
            CPPUNIT_ASSERT_EQUAL(std::string("second"), exchange->state(StateSlot<Counted>(2))->text);
            exchange->emplaceState(StateSlot<Counted>(9), &destroyed, "beyond");
            exchange->emplaceState(StateSlot<Counted>(9), &destroyed, "beyond again");
            CPPUNIT_ASSERT_EQUAL(2, destroyed);
            exchange->emplaceState(StateSlot<Large>(4), &destroyed);
            exchange->emplaceState(StateSlot<Large>(4), &destroyed);
            CPPUNIT_ASSERT_EQUAL(3, destroyed);
        }
        CPPUNIT_ASSERT_EQUAL(6, destroyed);
    }

    void testNoSlotFindsNothingAndCannotStore()
    {
        int destroyed = 0;
        auto exchange = newExchange();
        CPPUNIT_ASSERT(exchange->state(StateSlot<Counted>()) == nullptr);
        CPPUNIT_ASSERT_THROW(exchange->emplaceState(StateSlot<Counted>(), &destroyed, "x"), std::invalid_argument);
        CPPUNIT_ASSERT_EQUAL(0, destroyed);
    }

    // Exchange::set copies into the value's kept buffer (the core recycles them between
    // requests); every form of set() must leave exactly the text given, including a view of the
    // attribute's own value.
    void testAttributesSetByCopyMoveAndView()
    {
        static const portico::AttributeKey key{"test.exchange_state.value"};
        auto exchange = newExchange();
        CPPUNIT_ASSERT(exchange->find(key) == nullptr);
        const std::string longText(80, 'a');
        exchange->set(key, longText);
        CPPUNIT_ASSERT_EQUAL(longText, *exchange->find(key));
        exchange->set(key, std::string("short"));
        CPPUNIT_ASSERT_EQUAL(std::string("short"), *exchange->find(key));
        exchange->set(key, std::string(200, 'b')); // longer than the buffer: moved in
        CPPUNIT_ASSERT_EQUAL(std::string(200, 'b'), *exchange->find(key));
        exchange->set(key, "literal");
        CPPUNIT_ASSERT_EQUAL(std::string("literal"), *exchange->find(key));
        exchange->set(key, std::string_view(longText).substr(0, 40));
        CPPUNIT_ASSERT_EQUAL(std::string(40, 'a'), *exchange->find(key));
        exchange->set(key, std::string_view(*exchange->find(key)).substr(10, 5)); // its own text
        CPPUNIT_ASSERT_EQUAL(std::string(5, 'a'), *exchange->find(key));
        exchange->set(key, std::string_view(*exchange->find(key)));
        CPPUNIT_ASSERT_EQUAL(std::string(5, 'a'), *exchange->find(key));
        exchange->set(key, std::string_view());
        CPPUNIT_ASSERT(exchange->find(key) != nullptr);
        CPPUNIT_ASSERT_EQUAL(std::string(), *exchange->find(key));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ExchangeStateTest);
