#pragma once
/// Typed, strict access to the fields of one JSON object of a /v1/messages body, with the
/// messages Anthropic's API gives (its validator's wording: "Field required", "Input should be a
/// valid string", "Extra inputs are not permitted"), each prefixed with the field's dotted path
/// ("messages.0.content.1.text"). Every failure is an AnthropicError (400).
///
/// A field set to null counts as absent.

#include "AnthropicError.h"
#include "Poco/Dynamic/Var.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace portico::openai::anthropic {

/// "<path>.<key>", or `key` at the top.
std::string fieldPath(const std::string& path, const std::string& key);
/// "<path>.<index>".
std::string itemPath(const std::string& path, std::size_t index);

/// "Input should be a valid <kind>" for the value at `path`.
AnthropicError wrongKind(const std::string& path, const char* kind);

bool isObject(const Poco::Dynamic::Var& value);
bool isArray(const Poco::Dynamic::Var& value);

class MessagesFields
{
public:
    MessagesFields(const Poco::JSON::Object& object, std::string path = {});

    std::string path(const std::string& key) const { return fieldPath(path_, key); }
    bool present(const std::string& key) const;
    Poco::Dynamic::Var raw(const std::string& key) const;

    /// "Field required" unless present.
    void require(const std::string& key) const;
    std::string requiredString(const std::string& key) const;
    std::optional<std::string> string(const std::string& key) const;
    std::optional<std::int64_t> integer(const std::string& key, std::int64_t min, std::int64_t max) const;
    std::optional<double> number(const std::string& key, double min, double max) const;
    std::optional<bool> boolean(const std::string& key) const;
    Poco::JSON::Array::Ptr array(const std::string& key) const;
    Poco::JSON::Object::Ptr object(const std::string& key) const;

    /// "Extra inputs are not permitted" for the first key not in `known`.
    void rejectUnknown(std::initializer_list<const char*> known) const;

private:
    const Poco::JSON::Object& object_;
    std::string path_;
};

} // namespace portico::openai::anthropic
