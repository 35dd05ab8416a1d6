#include "MessageAnswer.h"
#include "Ids.h"
#include "JsonWriter.h"
#include "Tokenizer.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Stringifier.h"
#include <sstream>

namespace portico::openai::anthropic {

namespace {

/// The text portico-echo echoes (EchoModel's rule: the last user turn, else the last turn).
const std::string& echoedText(const Conversation& conversation)
{
    for (auto turn = conversation.turns.rbegin(); turn != conversation.turns.rend(); ++turn)
        if (turn->role == "user")
            return turn->text;
    static const std::string nothing;
    return conversation.turns.empty() ? nothing : conversation.turns.back().text;
}

/// The stop sequence that cut `text` (the earliest to occur; the first listed on a tie), if any.
const std::string* firstStop(const std::string& text, const std::vector<std::string>& stops)
{
    const std::string* found = nullptr;
    std::size_t cut = std::string::npos;
    for (const auto& stop : stops)
    {
        if (stop.empty())
            continue;
        const std::size_t at = text.find(stop);
        if (at < cut)
        {
            cut = at;
            found = &stop;
        }
    }
    return found;
}

void writeValueFor(JsonWriter& w, const Poco::JSON::Object::Ptr& schema, const std::string& text)
{
    if (schema && schema->has("enum") && schema->isArray("enum"))
    {
        const auto values = schema->getArray("enum");
        if (values->size() > 0)
        {
            std::ostringstream first;
            Poco::JSON::Stringifier::stringify(values->get(0), first);
            w.raw(first.str());
            return;
        }
    }
    const std::string type = schema && schema->has("type") && schema->get("type").isString()
                                 ? schema->getValue<std::string>("type")
                                 : "string";
    if (type == "integer" || type == "number")
        w.value(0);
    else if (type == "boolean")
        w.value(false);
    else if (type == "array")
        w.beginArray().endArray();
    else if (type == "object")
        w.beginObject().endObject();
    else if (type == "null")
        w.null();
    else
        w.value(text);
}

/// The input of a call to `tool`: its schema's required properties filled in.
std::string toolInput(const ToolSpec& tool, const std::string& text)
{
    JsonWriter w;
    w.beginObject();
    const auto& schema = tool.inputSchema;
    if (schema && schema->has("required") && schema->isArray("required"))
    {
        const auto required = schema->getArray("required");
        const auto properties = schema->has("properties") && schema->isObject("properties")
                                    ? schema->getObject("properties")
                                    : Poco::JSON::Object::Ptr();
        for (std::size_t i = 0; i < required->size(); ++i)
        {
            const Poco::Dynamic::Var name = required->get(static_cast<unsigned>(i));
            if (!name.isString())
                continue;
            const std::string key = name.extract<std::string>();
            const auto property = properties && properties->has(key) && properties->isObject(key)
                                      ? properties->getObject(key)
                                      : Poco::JSON::Object::Ptr();
            w.key(key);
            writeValueFor(w, property, text);
        }
    }
    w.endObject();
    return w.take();
}

const ToolSpec* chosenTool(const MessagesRequest& request)
{
    if (request.toolChoice == ToolChoice::Any && !request.tools.empty())
        return &request.tools.front();
    if (request.toolChoice == ToolChoice::Tool)
        for (const auto& tool : request.tools)
            if (tool.name == request.toolName)
                return &tool;
    return nullptr;
}

} // namespace

std::unique_ptr<MessageAnswer> MessageAnswer::of(const MessagesRequest& request)
{
    auto answer = std::make_unique<MessageAnswer>();
    answer->inputTokens = request.inputTokens();
    if (const ToolSpec* tool = chosenTool(request))
    {
        answer->tool = ToolUseBlock{newObjectId("toolu_"), tool->name,
                                    toolInput(*tool, echoedText(request.conversation))};
        answer->pieces = Tokenizer::split(answer->tool->inputJson);
        answer->end.reason = StopReason::ToolUse;
        return answer;
    }
    EchoModel::answer(request.conversation, request.maxTokens, request.stopSequences, answer->echo);
    answer->pieces = answer->echo.tokens;
    if (answer->echo.finish == FinishReason::Length)
        answer->end.reason = StopReason::MaxTokens;
    else if (const std::string* stop = firstStop(echoedText(request.conversation), request.stopSequences))
    {
        answer->end.reason = StopReason::StopSequence;
        answer->end.stopSequence = *stop;
    }
    return answer;
}

} // namespace portico::openai::anthropic
