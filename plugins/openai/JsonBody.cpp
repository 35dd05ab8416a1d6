#include "JsonBody.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Parser.h"
#include <cmath>
#include <cstdio>
#include <cstring>

namespace portico::openai {

namespace {

std::string withArticle(const char* noun)
{
    const bool vowel = std::strchr("aeiou", noun[0]) != nullptr;
    return std::string(vowel ? "an " : "a ") + noun;
}

std::string integerText(const Poco::Dynamic::Var& value)
{
    return value.toString();
}

} // namespace

Poco::JSON::Object::Ptr parseJsonObject(const std::string& body, std::size_t maxDepth)
{
    if (body.find_first_not_of(" \t\r\n") == std::string::npos)
        throw RequestError::invalid("", "The request body is empty. Send a JSON object.", "invalid_json");
    Poco::Dynamic::Var parsed;
    try
    {
        Poco::JSON::Parser parser;
        parser.setDepth(maxDepth);
        parsed = parser.parse(body);
    }
    catch (const Poco::Exception& e)
    {
        // Poco's message for depth is "Maximum depth exceeded"; say which limit it was.
        std::string detail = e.message();
        if (detail.find("depth") != std::string::npos)
            detail = "nested deeper than " + std::to_string(maxDepth) + " levels";
        throw RequestError::invalid("",
                                    "We could not parse the JSON body of your request (" + detail +
                                        "). The API expects a JSON object.",
                                    "invalid_json");
    }
    if (!isJsonObject(parsed))
        throw RequestError::invalid("", "The request body must be a JSON object, but it is " +
                                            describeJsonKind(parsed) + ".",
                                    "invalid_json");
    return parsed.extract<Poco::JSON::Object::Ptr>();
}

bool isJsonObject(const Poco::Dynamic::Var& value)
{
    return value.type() == typeid(Poco::JSON::Object::Ptr);
}

bool isJsonArray(const Poco::Dynamic::Var& value)
{
    return value.type() == typeid(Poco::JSON::Array::Ptr);
}

bool isJsonNull(const Poco::Dynamic::Var& value)
{
    return value.isEmpty();
}

std::string describeJsonKind(const Poco::Dynamic::Var& value)
{
    if (value.isEmpty())
        return "null";
    if (isJsonObject(value))
        return withArticle("object");
    if (isJsonArray(value))
        return withArticle("array");
    if (value.isBoolean())
        return withArticle("boolean");
    if (value.isString())
        return withArticle("string");
    if (value.isInteger())
        return withArticle("integer");
    if (value.isNumeric())
        return withArticle("decimal number");
    return withArticle("value");
}

RequestError wrongType(const std::string& param, const std::string& expected, const Poco::Dynamic::Var& got)
{
    return RequestError::invalid(param,
                                 "Invalid type for '" + param + "': expected " + expected + ", but got " +
                                     describeJsonKind(got) + " instead.",
                                 "invalid_type");
}

std::string stringValue(const Poco::Dynamic::Var& value, const std::string& param)
{
    if (!value.isString())
        throw wrongType(param, "a string", value);
    return value.extract<std::string>();
}

std::int64_t integerValue(const Poco::Dynamic::Var& value, const std::string& param, std::int64_t min,
                          std::int64_t max)
{
    if (value.isBoolean() || !value.isInteger())
    {
        // 3.0 is an integer to a user; 3.5 is not.
        if (value.isNumeric() && !value.isBoolean() && !value.isString())
        {
            const double number = value.convert<double>();
            if (std::isfinite(number) && number == std::floor(number) && std::fabs(number) < 9e15)
                return integerValue(Poco::Dynamic::Var(static_cast<Poco::Int64>(number)), param, min, max);
        }
        throw wrongType(param, "an integer", value);
    }
    bool above = false;
    Poco::Int64 number = 0;
    if (value.type() == typeid(Poco::UInt64) && value.extract<Poco::UInt64>() > static_cast<Poco::UInt64>(max))
        above = true;
    else
        number = value.convert<Poco::Int64>();
    if (!above && number < min)
        throw RequestError::invalid(param,
                                    "Invalid '" + param + "': integer below minimum value. Expected a value >= " +
                                        std::to_string(min) + ", but got " + integerText(value) + " instead.",
                                    "integer_below_min_value");
    if (above || number > max)
        throw RequestError::invalid(param,
                                    "Invalid '" + param + "': integer above maximum value. Expected a value <= " +
                                        std::to_string(max) + ", but got " + integerText(value) + " instead.",
                                    "integer_above_max_value");
    return number;
}

FieldReader::FieldReader(const Poco::JSON::Object& object, std::string path)
    : object_(object), path_(std::move(path))
{
}

std::string FieldReader::param(const std::string& key) const
{
    return path_.empty() ? key : path_ + "." + key;
}

bool FieldReader::present(const std::string& key) const
{
    return object_.has(key) && !object_.isNull(key);
}

Poco::Dynamic::Var FieldReader::raw(const std::string& key) const
{
    return present(key) ? object_.get(key) : Poco::Dynamic::Var();
}

std::string FieldReader::requiredString(const std::string& key) const
{
    if (!present(key))
        throw RequestError::invalid(param(key), "Missing required parameter: '" + param(key) + "'.",
                                    "missing_required_parameter");
    return stringValue(object_.get(key), param(key));
}

std::optional<std::string> FieldReader::string(const std::string& key) const
{
    if (!present(key))
        return std::nullopt;
    return stringValue(object_.get(key), param(key));
}

std::optional<std::int64_t> FieldReader::integer(const std::string& key, std::int64_t min, std::int64_t max) const
{
    if (!present(key))
        return std::nullopt;
    return integerValue(object_.get(key), param(key), min, max);
}

std::optional<double> FieldReader::number(const std::string& key, double min, double max) const
{
    if (!present(key))
        return std::nullopt;
    const Poco::Dynamic::Var value = object_.get(key);
    if (!value.isNumeric() || value.isBoolean() || value.isString())
        throw wrongType(param(key), "a number", value);
    const double number = value.convert<double>();
    if (!(number >= min && number <= max))
    {
        char bounds[96];
        std::snprintf(bounds, sizeof bounds, "Expected a value between %g and %g", min, max);
        throw RequestError::invalid(param(key),
                                    "Invalid '" + param(key) + "': number out of range. " + bounds + ", but got " +
                                        value.toString() + " instead.",
                                    "invalid_value");
    }
    return number;
}

std::optional<bool> FieldReader::boolean(const std::string& key) const
{
    if (!present(key))
        return std::nullopt;
    const Poco::Dynamic::Var value = object_.get(key);
    if (!value.isBoolean())
        throw wrongType(param(key), "a boolean", value);
    return value.extract<bool>();
}

Poco::JSON::Array::Ptr FieldReader::array(const std::string& key) const
{
    if (!present(key))
        return nullptr;
    const Poco::Dynamic::Var value = object_.get(key);
    if (!isJsonArray(value))
        throw wrongType(param(key), "an array", value);
    return value.extract<Poco::JSON::Array::Ptr>();
}

Poco::JSON::Object::Ptr FieldReader::object(const std::string& key) const
{
    if (!present(key))
        return nullptr;
    const Poco::Dynamic::Var value = object_.get(key);
    if (!isJsonObject(value))
        throw wrongType(param(key), "an object", value);
    return value.extract<Poco::JSON::Object::Ptr>();
}

void FieldReader::rejectUnknown(std::initializer_list<const char*> known) const
{
    for (const auto& [name, value] : object_)
    {
        bool found = false;
        for (const char* k : known)
            if (name == k)
            {
                found = true;
                break;
            }
        if (!found)
            throw RequestError::invalid(param(name), "Unknown parameter: '" + param(name) + "'.", "unknown_parameter");
    }
}

} // namespace portico::openai
