#include "VirtualKeyJson.h"
#include "Money.h"
#include "portico/Json.h"
#include "Poco/DateTime.h"
#include "Poco/DateTimeFormat.h"
#include "Poco/DateTimeFormatter.h"
#include "Poco/DateTimeParser.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include "Poco/JSON/Stringifier.h"
#include "Poco/Timestamp.h"
#include <cmath>
#include <limits>
#include <sstream>

namespace portico::auth {

namespace {

constexpr std::size_t MaxModels = 256;
constexpr std::size_t MaxModelLength = 256;
constexpr std::size_t MaxMetadataBytes = 4096;

std::string stringify(const Poco::Dynamic::Var& value)
{
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(value, out);
    return out.str();
}

std::int64_t nonNegativeInteger(const Poco::JSON::Object& body, const std::string& field, std::int64_t max)
{
    const Poco::Dynamic::Var value = body.get(field);
    if (!value.isInteger())
        throw PolicyError(field, field + " must be an integer (0: no limit)");
    const std::int64_t number = value.convert<Poco::Int64>();
    if (number < 0 || number > max)
        throw PolicyError(field, field + " must be between 0 and " + std::to_string(max));
    return number;
}

std::vector<std::string> modelList(const Poco::JSON::Object& body)
{
    const Poco::JSON::Array::Ptr array = body.getArray("models");
    if (!array)
        throw PolicyError("models", "models must be an array of model names or globs");
    if (array->size() > MaxModels)
        throw PolicyError("models", "models may list at most " + std::to_string(MaxModels) + " entries");
    std::vector<std::string> models;
    for (std::size_t i = 0; i < array->size(); ++i)
    {
        const Poco::Dynamic::Var entry = array->get(static_cast<unsigned>(i));
        if (!entry.isString())
            throw PolicyError("models", "models must be an array of strings");
        const std::string model = entry.extract<std::string>();
        if (model.empty() || model.size() > MaxModelLength)
            throw PolicyError("models", "a model name must be 1 to " + std::to_string(MaxModelLength) + " characters");
        for (unsigned char c : model)
            if (c < 0x20 || c == 0x7f)
                throw PolicyError("models", "a model name must not contain control characters");
        models.push_back(model);
    }
    return models;
}

std::int64_t expiry(const Poco::JSON::Object& body)
{
    const Poco::Dynamic::Var value = body.get("expires_at");
    if (value.isEmpty())
        return 0;
    if (!value.isString())
        throw PolicyError("expires_at", "expires_at must be an RFC 3339 date-time (\"2027-01-31T00:00:00Z\") or null");
    const std::string text = value.extract<std::string>();
    Poco::DateTime parsed;
    int zone = 0;
    if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, parsed, zone) &&
        !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT, text, parsed, zone))
        throw PolicyError("expires_at", "expires_at must be an RFC 3339 date-time (\"2027-01-31T00:00:00Z\") or null");
    // RFC 3339 needs the date, the time and a zone ("Z" or "+hh:mm").
    if (text.size() < 20 || text.find('T') == std::string::npos ||
        !(text.back() == 'Z' || text.back() == 'z' || text.find_last_of("+-") > 18))
        throw PolicyError("expires_at", "expires_at must be an RFC 3339 date-time with a zone (\"Z\" or \"+01:00\")");
    parsed.makeUTC(zone);
    return parsed.timestamp().epochTime();
}

/// budget_usd: a number (or a decimal string) of dollars with at most 6 decimals, in micro-dollars.
std::int64_t budgetMicros(const Poco::Dynamic::Var& value)
{
    const char* const why = "budget_usd must be a number of dollars >= 0 with at most 6 decimals (0: no budget)";
    if (value.isString())
    {
        const auto micros = parseMicros(value.extract<std::string>());
        if (!micros)
            throw PolicyError("budget_usd", why);
        return *micros;
    }
    if (value.isInteger())
    {
        const std::int64_t dollars = value.convert<Poco::Int64>();
        if (dollars < 0 || dollars > 999'999'999)
            throw PolicyError("budget_usd", why);
        return dollars * 1'000'000;
    }
    if (value.isNumeric())
    {
        const double dollars = value.convert<double>();
        const double micros = dollars * 1e6;
        if (!(dollars >= 0) || dollars > 999'999'999 || std::fabs(micros - std::llround(micros)) > 1e-3)
            throw PolicyError("budget_usd", why);
        return std::llround(micros);
    }
    throw PolicyError("budget_usd", why);
}

BudgetPeriod budgetPeriod(const Poco::Dynamic::Var& value)
{
    const std::string text = value.isString() ? value.extract<std::string>() : std::string();
    for (BudgetPeriod period : {BudgetPeriod::Total, BudgetPeriod::Day, BudgetPeriod::Week, BudgetPeriod::Month})
        if (text == budgetPeriodName(period))
            return period;
    throw PolicyError("budget_period", "budget_period must be \"total\", \"day\", \"week\" or \"month\"");
}

} // namespace

void applyPolicyJson(const std::string& body, VirtualKey& key)
{
    Poco::Dynamic::Var parsed;
    try
    {
        parsed = Poco::JSON::Parser().parse(body.empty() ? std::string("{}") : body);
    }
    catch (const std::exception&)
    {
        throw PolicyError("", "The body is not valid JSON.");
    }
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr))
        throw PolicyError("", "The body must be a JSON object of policy fields.");
    const Poco::JSON::Object& object = *parsed.extract<Poco::JSON::Object::Ptr>();
    for (const auto& [field, value] : object)
    {
        if (field == "models")
            key.models = modelList(object);
        else if (field == "rpm")
            key.rpm = nonNegativeInteger(object, field, 1'000'000'000);
        else if (field == "max_in_flight")
            key.maxInFlight = nonNegativeInteger(object, field, 1'000'000);
        else if (field == "expires_at")
            key.expiresAt = expiry(object);
        else if (field == "metadata")
        {
            if (value.type() != typeid(Poco::JSON::Object::Ptr))
                throw PolicyError(field, "metadata must be a JSON object");
            std::string text = stringify(value);
            if (text.size() > MaxMetadataBytes)
                throw PolicyError(field, "metadata must be at most " + std::to_string(MaxMetadataBytes) + " bytes");
            key.metadata = std::move(text);
        }
        else if (field == "budget_usd")
            key.budgetMicros = budgetMicros(value);
        else if (field == "budget_period")
            key.budgetPeriod = budgetPeriod(value);
        else if (field == "tpm")
            key.tpm = nonNegativeInteger(object, field, 150'000'000);
        else
            throw PolicyError(field, "unknown field " + field +
                                         " (known: models, rpm, tpm, max_in_flight, expires_at, budget_usd, "
                                         "budget_period, metadata)");
    }
}

std::string rfc3339(std::int64_t unixSeconds)
{
    return Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(unixSeconds)),
                                           Poco::DateTimeFormat::ISO8601_FORMAT);
}

std::string virtualKeyJson(const VirtualKey& key)
{
    std::string out = "{\"id\":" + jsonString(key.id) + ",\"object\":\"virtual_key\",\"models\":[";
    for (std::size_t i = 0; i < key.models.size(); ++i)
        out += (i ? "," : "") + jsonString(key.models[i]);
    out += "],\"rpm\":" + std::to_string(key.rpm) + ",\"tpm\":" + std::to_string(key.tpm) +
           ",\"max_in_flight\":" + std::to_string(key.maxInFlight);
    out += ",\"expires_at\":" + (key.expiresAt ? jsonString(rfc3339(key.expiresAt)) : std::string("null"));
    out += ",\"created_at\":" + jsonString(rfc3339(key.createdAt));
    out += ",\"revoked\":" + std::string(key.revokedAt ? "true" : "false");
    out += ",\"revoked_at\":" + (key.revokedAt ? jsonString(rfc3339(key.revokedAt)) : std::string("null"));
    out += ",\"budget_usd\":" + (key.budgetMicros ? formatMicros(key.budgetMicros) : std::string("null"));
    out += ",\"budget_period\":" + jsonString(budgetPeriodName(key.budgetPeriod));
    out += ",\"metadata\":" + key.metadata + "}";
    return out;
}

} // namespace portico::auth
