#include "VirtualKey.h"
#include "portico/ApiKey.h"
#include "portico/Json.h"
#include "portico/ModelPatterns.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Parser.h"
#include "Poco/DateTime.h"
#include "Poco/DateTimeFormatter.h"
#include "Poco/Timespan.h"
#include "Poco/Timestamp.h"
#include <chrono>

namespace portico::auth {

bool VirtualKey::allowsModel(const std::string& model) const
{
    if (models.empty())
        return true;
    for (const auto& allowed : models)
        if (modelPatternMatches(allowed, model))
            return true;
    return false;
}

const char* budgetPeriodName(BudgetPeriod period)
{
    switch (period)
    {
    case BudgetPeriod::Day:
        return "day";
    case BudgetPeriod::Week:
        return "week";
    case BudgetPeriod::Month:
        return "month";
    case BudgetPeriod::Total:
        break;
    }
    return "total";
}

std::int64_t unixSeconds()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string dayOf(std::int64_t unixSeconds)
{
    return Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(unixSeconds)),
                                           "%Y-%m-%d");
}

std::string periodStart(BudgetPeriod period, std::int64_t unixSeconds)
{
    Poco::DateTime now(Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(unixSeconds)));
    switch (period)
    {
    case BudgetPeriod::Day:
        return Poco::DateTimeFormatter::format(now, "%Y-%m-%d");
    case BudgetPeriod::Week:
    {
        // Poco: dayOfWeek() is 0 for Sunday; ISO weeks start on Monday.
        const int sinceMonday = (now.dayOfWeek() + 6) % 7;
        return Poco::DateTimeFormatter::format(now - Poco::Timespan(sinceMonday, 0, 0, 0, 0), "%Y-%m-%d");
    }
    case BudgetPeriod::Month:
        return Poco::DateTimeFormatter::format(now, "%Y-%m-01");
    case BudgetPeriod::Total:
        break;
    }
    return "";
}

std::string newVirtualKeyId()
{
    unsigned char bytes[12];
    fillRandom(bytes, sizeof bytes);
    static const char* hex = "0123456789abcdef";
    std::string id = "vk_";
    for (unsigned char byte : bytes)
    {
        id += hex[byte >> 4];
        id += hex[byte & 0xF];
    }
    return id;
}

bool validVirtualKeyId(const std::string& id)
{
    if (id.size() != 27 || id.compare(0, 3, "vk_") != 0)
        return false;
    for (std::size_t i = 3; i < id.size(); ++i)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

BudgetPeriod budgetPeriodNamed(const std::string& name)
{
    for (BudgetPeriod period : {BudgetPeriod::Day, BudgetPeriod::Week, BudgetPeriod::Month})
        if (name == budgetPeriodName(period))
            return period;
    return BudgetPeriod::Total;
}

std::string modelsToJson(const std::vector<std::string>& models)
{
    std::string out = "[";
    for (std::size_t i = 0; i < models.size(); ++i)
        out += (i ? "," : "") + jsonString(models[i]);
    return out + "]";
}

std::vector<std::string> modelsFromJson(const std::string& text)
{
    std::vector<std::string> models;
    const auto array = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < array->size(); ++i)
        models.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
    return models;
}

} // namespace portico::auth
