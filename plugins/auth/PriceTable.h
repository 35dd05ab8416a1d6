#pragma once
// What tokens cost, per model: [admin] prices.<model>.input and prices.<model>.output in
// dollars per million tokens (decimals, at most 6 places: "2.5", "0.15"), and optionally
// prices.<model>.cached_input for input tokens the upstream read from its prompt cache (without
// it they cost the input price). A request's cost is computed exactly, in pico-dollars
// (Money.h). A model without a price costs nothing, and its use is logged once, so that a
// budget is not believed kept on an unpriced model.

#include "portico/PluginConfig.h"
#include <cstdint>
#include <string>
#include <unordered_map>

namespace portico::auth {

class PriceTable
{
public:
    struct Price
    {
        /// Micro-dollars per million tokens.
        std::int64_t inputMicros = 0;
        std::int64_t outputMicros = 0;
        std::int64_t cachedInputMicros = 0;
    };

    /// The bounds that keep a cost within 64 bits (3 x 1e8 x 1e10 < 2^63): no price above
    /// $10,000 per million tokens, and no request counted above 100 million tokens of a kind
    /// (an upstream that says more is not believed).
    static constexpr std::int64_t MaxPriceMicros = 10'000'000'000;
    static constexpr std::int64_t MaxTokens = 100'000'000;

    /// Reads prices.* of [admin] (`admin`: that section). Throws ConfigError naming the key for
    /// a malformed price, an unknown field, or a model with only one of the two.
    static PriceTable from(const PluginConfig& admin);

    /// The price of `model`, or nullptr.
    const Price* find(const std::string& model) const;
    /// Pico-dollars for the tokens (tokens times micro-dollars per million is pico-dollars).
    /// `cachedInputTokens` is the part of `inputTokens` read from the cache. Counts are the
    /// upstream's: a negative one counts as 0, a huge one as MaxTokens, and no more tokens are
    /// cached than were input.
    static std::int64_t costPico(const Price& price, std::int64_t inputTokens, std::int64_t cachedInputTokens,
                                 std::int64_t outputTokens);
    std::size_t size() const { return prices_.size(); }

private:
    std::unordered_map<std::string, Price> prices_;
};

} // namespace portico::auth
