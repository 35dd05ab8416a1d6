#include "PriceTable.h"
#include "Money.h"

namespace portico::auth {

PriceTable PriceTable::from(const PluginConfig& admin)
{
    PriceTable table;
    std::unordered_map<std::string, int> fields;
    for (const auto& key : admin.keysBelow("prices"))
    {
        // prices.<model>.<input|output>; a model name may hold dots (gpt-4.1), the field may not.
        const auto dot = key.rfind('.');
        const std::string model = dot > 7 ? key.substr(7, dot - 7) : std::string();
        const std::string field = dot == std::string::npos ? std::string() : key.substr(dot + 1);
        if (model.empty() || (field != "input" && field != "output"))
            throw admin.error(key, "expected prices.<model>.input or prices.<model>.output (dollars per million tokens)");
        const auto micros = parseMicros(admin.getString(key, ""));
        if (!micros)
            throw admin.error(key, "must be a number of dollars per million tokens, >= 0, at most 6 decimals");
        Price& price = table.prices_[model];
        (field == "input" ? price.inputMicros : price.outputMicros) = *micros;
        ++fields[model];
    }
    for (const auto& [model, count] : fields)
        if (count != 2)
            throw admin.error("prices." + model, "needs both input and output (0 for free)");
    return table;
}

const PriceTable::Price* PriceTable::find(const std::string& model) const
{
    const auto found = prices_.find(model);
    return found == prices_.end() ? nullptr : &found->second;
}

} // namespace portico::auth
