#include "ConversationParsing.h"
#include "JsonBody.h"
#include <algorithm>

namespace portico::openai {

namespace {

bool oneOf(const std::string& value, std::initializer_list<const char*> allowed)
{
    return std::any_of(allowed.begin(), allowed.end(), [&value](const char* a) { return value == a; });
}

std::string at(const std::string& param, std::size_t index)
{
    return param + "[" + std::to_string(index) + "]";
}

RequestError textOnly(const std::string& param, const std::string& type)
{
    return RequestError::invalid(param,
                                 "Invalid value: '" + type + "'. The local model reads text only; '" + param +
                                     "' must be a text part.",
                                 "unsupported_value");
}

/// The text of a content array: its parts' texts, one per line. `textTypes` are the part types
/// that carry text in this API.
std::string partsText(const Poco::JSON::Array& parts, const std::string& param,
                      std::initializer_list<const char*> textTypes)
{
    std::string text;
    for (std::size_t i = 0; i < parts.size(); ++i)
    {
        const std::string partParam = at(param, i);
        const Poco::Dynamic::Var part = parts.get(static_cast<unsigned>(i));
        if (!isJsonObject(part))
            throw wrongType(partParam, "an object", part);
        const FieldReader fields(*part.extract<Poco::JSON::Object::Ptr>(), partParam);
        const std::string type = fields.requiredString("type");
        if (!oneOf(type, textTypes))
            throw textOnly(fields.param("type"), type);
        if (i)
            text += '\n';
        // A refusal part (an earlier assistant answer) keeps its text under "refusal".
        text += fields.requiredString(type == "refusal" ? "refusal" : "text");
    }
    return text;
}

void checkRole(const std::string& role, const std::string& param, std::initializer_list<const char*> roles)
{
    if (!oneOf(role, roles))
    {
        std::string list;
        for (const char* r : roles)
            list += (list.empty() ? "'" : ", '") + std::string(r) + "'";
        throw RequestError::invalid(param, "Invalid value: '" + role + "'. Supported values are: " + list + ".");
    }
}

} // namespace

std::vector<Turn> parseResponsesInput(const Poco::Dynamic::Var& input)
{
    if (isJsonNull(input))
        throw RequestError::invalid("input", "Missing required parameter: 'input'.", "missing_required_parameter");
    if (input.isString())
    {
        const std::string text = input.extract<std::string>();
        if (text.empty())
            throw RequestError::invalid("input", "Invalid 'input': empty string. Expected a non-empty string.",
                                        "empty_string");
        return {{"user", text}};
    }
    if (!isJsonArray(input))
        throw wrongType("input", "a string or an array of input items", input);
    const auto& items = *input.extract<Poco::JSON::Array::Ptr>();
    if (items.size() == 0)
        throw RequestError::invalid("input", "Invalid 'input': empty array. Expected at least one input item.",
                                    "empty_array");
    std::vector<Turn> turns;
    for (std::size_t i = 0; i < items.size(); ++i)
    {
        const std::string param = at("input", i);
        const Poco::Dynamic::Var item = items.get(static_cast<unsigned>(i));
        if (!isJsonObject(item))
            throw wrongType(param, "an object", item);
        const FieldReader fields(*item.extract<Poco::JSON::Object::Ptr>(), param);
        const std::string type = fields.string("type").value_or("message");
        if (type != "message")
            throw RequestError::invalid(fields.param("type"),
                                        "Invalid value: '" + type + "'. The local model accepts message items only.",
                                        "unsupported_value");
        fields.rejectUnknown({"type", "role", "content", "id", "status", "phase"});
        Turn turn;
        turn.role = fields.requiredString("role");
        checkRole(turn.role, fields.param("role"), {"user", "assistant", "system", "developer"});
        if (!fields.present("content"))
            throw RequestError::invalid(fields.param("content"),
                                        "Missing required parameter: '" + fields.param("content") + "'.",
                                        "missing_required_parameter");
        const Poco::Dynamic::Var content = fields.raw("content");
        if (content.isString())
            turn.text = content.extract<std::string>();
        else if (isJsonArray(content))
            turn.text = partsText(*content.extract<Poco::JSON::Array::Ptr>(), fields.param("content"),
                                  {"input_text", "output_text", "refusal"});
        else
            throw wrongType(fields.param("content"), "a string or an array of content parts", content);
        turns.push_back(std::move(turn));
    }
    return turns;
}

std::vector<Turn> parseChatMessages(const Poco::JSON::Array::Ptr& messages)
{
    if (!messages)
        throw RequestError::invalid("messages", "Missing required parameter: 'messages'.",
                                    "missing_required_parameter");
    if (messages->size() == 0)
        throw RequestError::invalid("messages",
                                    "Invalid 'messages': empty array. Expected an array with minimum length 1, but "
                                    "got an empty array instead.",
                                    "empty_array");
    std::vector<Turn> turns;
    for (std::size_t i = 0; i < messages->size(); ++i)
    {
        const std::string param = at("messages", i);
        const Poco::Dynamic::Var message = messages->get(static_cast<unsigned>(i));
        if (!isJsonObject(message))
            throw wrongType(param, "an object", message);
        const FieldReader fields(*message.extract<Poco::JSON::Object::Ptr>(), param);
        fields.rejectUnknown({"role", "content", "name", "tool_calls", "tool_call_id", "function_call", "refusal",
                              "audio"});
        Turn turn;
        turn.role = fields.requiredString("role");
        checkRole(turn.role, fields.param("role"), {"system", "developer", "user", "assistant", "tool", "function"});
        fields.string("name");
        const Poco::Dynamic::Var content = fields.raw("content");
        if (content.isString())
            turn.text = content.extract<std::string>();
        else if (isJsonArray(content))
            turn.text = partsText(*content.extract<Poco::JSON::Array::Ptr>(), fields.param("content"),
                                  {"text", "refusal"});
        else if (isJsonNull(content))
        {
            // Only an assistant message that calls tools may go without content.
            if (turn.role != "assistant" ||
                !(fields.present("tool_calls") || fields.present("function_call")))
                throw RequestError::invalid(fields.param("content"),
                                            "Missing required parameter: '" + fields.param("content") + "'.",
                                            "missing_required_parameter");
        }
        else
            throw wrongType(fields.param("content"), "a string or an array of content parts", content);
        turns.push_back(std::move(turn));
    }
    return turns;
}

} // namespace portico::openai
