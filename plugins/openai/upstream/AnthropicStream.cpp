#include "AnthropicStream.h"
#include "AnthropicAnswer.h"
#include "JsonTree.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Stringifier.h"
#include <chrono>
#include <sstream>

namespace portico::openai {

namespace {

using Poco::JSON::Object;
using jsontree::numberOf;
using jsontree::parseObject;
using jsontree::stringOf;

std::string quoted(const std::string& text)
{
    std::ostringstream out;
    Poco::JSON::Stringifier::formatString(text, out);
    return out.str();
}

} // namespace

void AnthropicStream::feed(std::string_view bytes, std::string& out)
{
    framer_.feed(bytes);
    while (auto event = framer_.next())
    {
        std::string_view name;
        std::string data;
        splitSseEvent(*event, name, data);
        if (!ended_)
            translate(name, data, out);
    }
}

void AnthropicStream::chunk(const std::string& choiceJson, const std::string& usageJson, std::string& out) const
{
    out += "data: {\"id\":";
    out += quoted(id_);
    out += ",\"object\":\"chat.completion.chunk\",\"created\":";
    out += std::to_string(created_);
    out += ",\"model\":";
    out += quoted(model_);
    out += ",\"choices\":[";
    out += choiceJson;
    out += "],\"usage\":";
    out += usageJson;
    out += "}\n\n";
}

void AnthropicStream::delta(const std::string& deltaJson, std::string& out) const
{
    chunk("{\"index\":0,\"delta\":" + deltaJson + ",\"logprobs\":null,\"finish_reason\":null}", "null", out);
}

void AnthropicStream::translate(std::string_view name, const std::string& data, std::string& out)
{
    if (name == "ping" || name == "content_block_stop" || data.empty())
        return;
    const Object::Ptr event = parseObject(data);
    if (!event)
        return; // not an event of the Messages stream: nothing a chat client could use
    const std::string type = name.empty() ? stringOf(*event, "type") : std::string(name);
    if (type == "message_start")
    {
        created_ = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                       .count();
        if (const Object::Ptr message = event->getObject("message"))
        {
            id_ = stringOf(*message, "id");
            model_ = stringOf(*message, "model");
            const Object::Ptr usage = message->getObject("usage");
            cachedTokens_ = numberOf(usage.get(), "cache_read_input_tokens");
            inputTokens_ = numberOf(usage.get(), "input_tokens") + cachedTokens_ +
                           numberOf(usage.get(), "cache_creation_input_tokens");
            outputTokens_ = numberOf(usage.get(), "output_tokens");
        }
        delta("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", out);
    }
    else if (type == "content_block_start")
    {
        const auto index = static_cast<std::size_t>(numberOf(event.get(), "index"));
        if (toolIndexOfBlock_.size() <= index)
            toolIndexOfBlock_.resize(index + 1, -1);
        const Object::Ptr block = event->getObject("content_block");
        if (block && stringOf(*block, "type") == "tool_use")
        {
            const int tool = toolCalls_++;
            toolIndexOfBlock_[index] = tool;
            delta("{\"tool_calls\":[{\"index\":" + std::to_string(tool) + ",\"id\":" + quoted(stringOf(*block, "id")) +
                      ",\"type\":\"function\",\"function\":{\"name\":" + quoted(stringOf(*block, "name")) +
                      ",\"arguments\":\"\"}}]}",
                  out);
        }
        else if (block && stringOf(*block, "type") == "text" && !stringOf(*block, "text").empty())
            delta("{\"content\":" + quoted(stringOf(*block, "text")) + "}", out);
    }
    else if (type == "content_block_delta")
    {
        const Object::Ptr change = event->getObject("delta");
        if (!change)
            return;
        const std::string kind = stringOf(*change, "type");
        if (kind == "text_delta")
            delta("{\"content\":" + quoted(stringOf(*change, "text")) + "}", out);
        else if (kind == "input_json_delta")
        {
            const auto index = static_cast<std::size_t>(numberOf(event.get(), "index"));
            const int tool = index < toolIndexOfBlock_.size() ? toolIndexOfBlock_[index] : -1;
            if (tool >= 0)
                delta("{\"tool_calls\":[{\"index\":" + std::to_string(tool) + ",\"function\":{\"arguments\":" +
                          quoted(stringOf(*change, "partial_json")) + "}}]}",
                      out);
        }
        // thinking_delta, signature_delta: no chat counterpart.
    }
    else if (type == "message_delta")
    {
        if (const Object::Ptr usage = event->getObject("usage"))
            if (usage->has("output_tokens"))
                outputTokens_ = numberOf(usage.get(), "output_tokens");
        const Object::Ptr change = event->getObject("delta");
        const std::string stop = change ? stringOf(*change, "stop_reason") : std::string();
        if (!stop.empty())
            chunk("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":" + quoted(finishReasonOf(stop)) + "}",
                  "null", out);
    }
    else if (type == "message_stop")
    {
        chunk("", "{\"prompt_tokens\":" + std::to_string(inputTokens_) + ",\"completion_tokens\":" +
                      std::to_string(outputTokens_) + ",\"total_tokens\":" + std::to_string(inputTokens_ + outputTokens_) +
                      ",\"prompt_tokens_details\":{\"cached_tokens\":" + std::to_string(cachedTokens_) + "}}",
              out);
        out += "data: [DONE]\n\n";
        ended_ = true;
    }
    else if (type == "error")
    {
        std::string message = "the upstream reported an error";
        std::string code = "api_error";
        if (const Object::Ptr error = event->getObject("error"))
        {
            message = stringOf(*error, "message");
            code = stringOf(*error, "type");
        }
        out += "data: {\"error\":{\"message\":" + quoted(message) + ",\"type\":\"server_error\",\"param\":null,\"code\":" +
               quoted(code) + "}}\n\n";
        ended_ = true;
    }
}

} // namespace portico::openai
