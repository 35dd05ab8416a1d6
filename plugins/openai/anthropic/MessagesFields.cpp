#include "MessagesFields.h"
#include <cmath>
#include <cstdio>

namespace portico::openai::anthropic {

namespace {

std::string numberText(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

} // namespace

std::string fieldPath(const std::string& path, const std::string& key)
{
    return path.empty() ? key : path + "." + key;
}

std::string itemPath(const std::string& path, std::size_t index)
{
    return path + "." + std::to_string(index);
}

AnthropicError wrongKind(const std::string& path, const char* kind)
{
    return AnthropicError::invalid(path, std::string("Input should be a valid ") + kind);
}

bool isObject(const Poco::Dynamic::Var& value)
{
    return value.type() == typeid(Poco::JSON::Object::Ptr);
}

bool isArray(const Poco::Dynamic::Var& value)
{
    return value.type() == typeid(Poco::JSON::Array::Ptr);
}

MessagesFields::MessagesFields(const Poco::JSON::Object& object, std::string path)
    : object_(object), path_(std::move(path))
{
}

bool MessagesFields::present(const std::string& key) const
{
    return object_.has(key) && !object_.isNull(key);
}

Poco::Dynamic::Var MessagesFields::raw(const std::string& key) const
{
    return present(key) ? object_.get(key) : Poco::Dynamic::Var();
}

void MessagesFields::require(const std::string& key) const
{
    if (!present(key))
        throw AnthropicError::invalid(path(key), "Field required");
}

std::string MessagesFields::requiredString(const std::string& key) const
{
    require(key);
    return *string(key);
}

std::optional<std::string> MessagesFields::string(const std::string& key) const
{
    if (!present(key))
        return std::nullopt;
    const Poco::Dynamic::Var value = object_.get(key);
    if (!value.isString())
        throw wrongKind(path(key), "string");
    return value.extract<std::string>();
}

std::optional<std::int64_t> MessagesFields::integer(const std::string& key, std::int64_t min, std::int64_t max) const
{
    if (!present(key))
        return std::nullopt;
    const Poco::Dynamic::Var value = object_.get(key);
    if (value.isBoolean() || value.isString() || !value.isNumeric())
        throw wrongKind(path(key), "integer");
    const double number = value.convert<double>();
    if (!std::isfinite(number) || number != std::floor(number))
        throw AnthropicError::invalid(path(key), "Input should be a valid integer, got a number with a fractional part");
    if (number < static_cast<double>(min))
        throw AnthropicError::invalid(path(key), "Input should be greater than or equal to " + std::to_string(min));
    if (number > static_cast<double>(max))
        throw AnthropicError::invalid(path(key), "Input should be less than or equal to " + std::to_string(max));
    return static_cast<std::int64_t>(number);
}

std::optional<double> MessagesFields::number(const std::string& key, double min, double max) const
{
    if (!present(key))
        return std::nullopt;
    const Poco::Dynamic::Var value = object_.get(key);
    if (value.isBoolean() || value.isString() || !value.isNumeric())
        throw wrongKind(path(key), "number");
    const double number = value.convert<double>();
    if (!(number >= min))
        throw AnthropicError::invalid(path(key), "Input should be greater than or equal to " + numberText(min));
    if (!(number <= max))
        throw AnthropicError::invalid(path(key), "Input should be less than or equal to " + numberText(max));
    return number;
}

std::optional<bool> MessagesFields::boolean(const std::string& key) const
{
    if (!present(key))
        return std::nullopt;
    const Poco::Dynamic::Var value = object_.get(key);
    if (!value.isBoolean())
        throw wrongKind(path(key), "boolean");
    return value.extract<bool>();
}

Poco::JSON::Array::Ptr MessagesFields::array(const std::string& key) const
{
    if (!present(key))
        return nullptr;
    const Poco::Dynamic::Var value = object_.get(key);
    if (!isArray(value))
        throw wrongKind(path(key), "list");
    return value.extract<Poco::JSON::Array::Ptr>();
}

Poco::JSON::Object::Ptr MessagesFields::object(const std::string& key) const
{
    if (!present(key))
        return nullptr;
    const Poco::Dynamic::Var value = object_.get(key);
    if (!isObject(value))
        throw wrongKind(path(key), "dictionary");
    return value.extract<Poco::JSON::Object::Ptr>();
}

void MessagesFields::rejectUnknown(std::initializer_list<const char*> known) const
{
    for (const auto& member : object_)
    {
        bool found = false;
        for (const char* k : known)
            found = found || member.first == k;
        if (!found)
            throw AnthropicError::invalid(path(member.first), "Extra inputs are not permitted");
    }
}

} // namespace portico::openai::anthropic
