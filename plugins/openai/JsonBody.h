#pragma once
/// Reading a request body: parsing it as a JSON object (bounded nesting) and typed access to
/// its fields with OpenAI's error messages. Every failure is a RequestError (400) whose `param`
/// names the field by its path ("input[3]", "messages[0].content").
///
/// A field set to null counts as absent, as OpenAI treats it.

#include "RequestError.h"
#include "Poco/Dynamic/Var.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace portico::openai {

/// Parses `body`, which must be one JSON object nested at most `maxDepth` levels deep.
Poco::JSON::Object::Ptr parseJsonObject(const std::string& body, std::size_t maxDepth);

/// A value's JSON kind in the words of OpenAI's messages: "a string", "an integer", ...
std::string describeJsonKind(const Poco::Dynamic::Var& value);

bool isJsonObject(const Poco::Dynamic::Var& value);
bool isJsonArray(const Poco::Dynamic::Var& value);
bool isJsonNull(const Poco::Dynamic::Var& value);

/// RequestError: "Invalid type for '<param>': expected <expected>, but got <kind> instead."
RequestError wrongType(const std::string& param, const std::string& expected, const Poco::Dynamic::Var& got);

/// The value as a string, or a wrongType error naming `param`.
std::string stringValue(const Poco::Dynamic::Var& value, const std::string& param);
/// The value as an integer in [min, max], or an error naming `param`.
std::int64_t integerValue(const Poco::Dynamic::Var& value, const std::string& param, std::int64_t min,
                          std::int64_t max);

/// Typed, validated access to the fields of one JSON object found at `path` ("" for the body).
class FieldReader
{
public:
    FieldReader(const Poco::JSON::Object& object, std::string path = {});

    /// The param name of field `key`: "key" at the top, "<path>.key" below.
    std::string param(const std::string& key) const;
    /// True when `key` is present and not null.
    bool present(const std::string& key) const;
    /// The raw value (empty Var when absent).
    Poco::Dynamic::Var raw(const std::string& key) const;

    std::string requiredString(const std::string& key) const;
    std::optional<std::string> string(const std::string& key) const;
    std::optional<std::int64_t> integer(const std::string& key, std::int64_t min, std::int64_t max) const;
    std::optional<double> number(const std::string& key, double min, double max) const;
    std::optional<bool> boolean(const std::string& key) const;
    /// The array at `key` (null pointer when absent); any other type is an error.
    Poco::JSON::Array::Ptr array(const std::string& key) const;
    /// The object at `key` (null pointer when absent); any other type is an error.
    Poco::JSON::Object::Ptr object(const std::string& key) const;

    /// Refuses the first key not in `known` ("Unknown parameter: 'x'.").
    void rejectUnknown(std::initializer_list<const char*> known) const;

private:
    const Poco::JSON::Object& object_;
    std::string path_;
};

} // namespace portico::openai
