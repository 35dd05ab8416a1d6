#include "PriceTable.h"
#include "Money.h"
#include <algorithm>
#include <unordered_set>

namespace portico::auth {

PriceTable PriceTable::from(const PluginConfig& admin)
{
    PriceTable table;
    std::unordered_map<std::string, int> fields; // input and output given, per model
    std::unordered_set<std::string> cached;      // cached_input given
    for (const auto& key : admin.keysBelow("prices"))
    {
        // prices.<model>.<input|output|cached_input>; a model name may hold dots (gpt-4.1), the
        // field may not.
        const auto dot = key.rfind('.');
        const std::string model = dot > 7 ? key.substr(7, dot - 7) : std::string();
        const std::string field = dot == std::string::npos ? std::string() : key.substr(dot + 1);
        if (model.empty() || (field != "input" && field != "output" && field != "cached_input"))
            throw admin.error(key, "expected prices.<model>.input, .output or .cached_input (dollars per million tokens)");
        const auto micros = parseMicros(admin.getString(key, ""));
        if (!micros || *micros > MaxPriceMicros)
            throw admin.error(key, "must be a number of dollars per million tokens, from 0 to 10000, at most 6 decimals");
        Price& price = table.prices_[model];
        if (field == "cached_input")
        {
            price.cachedInputMicros = *micros;
            cached.insert(model);
        }
        else
        {
            (field == "input" ? price.inputMicros : price.outputMicros) = *micros;
            ++fields[model];
        }
    }
    for (auto& [model, price] : table.prices_)
    {
        if (fields[model] != 2)
            throw admin.error("prices." + model, "needs both input and output (0 for free)");
        if (!cached.count(model))
            price.cachedInputMicros = price.inputMicros;
    }
    return table;
}

std::int64_t PriceTable::costPico(const Price& price, std::int64_t inputTokens, std::int64_t cachedInputTokens,
                                  std::int64_t outputTokens)
{
    const auto tokens = [](std::int64_t count) { return std::clamp<std::int64_t>(count, 0, MaxTokens); };
    const std::int64_t input = tokens(inputTokens);
    const std::int64_t cached = std::clamp<std::int64_t>(cachedInputTokens, 0, input);
    return (input - cached) * price.inputMicros + cached * price.cachedInputMicros +
           tokens(outputTokens) * price.outputMicros;
}

const PriceTable::Price* PriceTable::find(const std::string& model) const
{
    const auto found = prices_.find(model);
    return found == prices_.end() ? nullptr : &found->second;
}

} // namespace portico::auth
