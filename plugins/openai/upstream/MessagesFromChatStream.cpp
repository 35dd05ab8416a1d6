#include "MessagesFromChatStream.h"
#include "JsonTree.h"
#include "MessagesFromChat.h"
#include "SseFramer.h"
#include "portico/Json.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"

namespace portico::openai {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;
using jsontree::numberOf;
using jsontree::parseObject;
using jsontree::stringOf;

void emit(std::string& out, std::string_view type, const std::string& data)
{
    out += "event: ";
    out += type;
    out += "\ndata: ";
    out += data;
    out += "\n\n";
}

} // namespace

void MessagesFromChatStream::start(const std::string& chatId, const std::string& model, std::string& out)
{
    started_ = true;
    emit(out, "message_start",
         "{\"type\":\"message_start\",\"message\":{\"id\":" + jsonString(messageIdOf(chatId)) +
             ",\"type\":\"message\",\"role\":\"assistant\",\"model\":" + jsonString(model) +
             ",\"container\":null,\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"stop_details\":null,"
             "\"usage\":{\"input_tokens\":0,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
             "\"output_tokens\":0}}}");
}

void MessagesFromChatStream::openBlock(const std::string& startJson, std::string& out)
{
    closeBlock(out);
    blockOpen_ = true;
    emit(out, "content_block_start",
         "{\"type\":\"content_block_start\",\"index\":" + std::to_string(nextBlock_) + ",\"content_block\":" +
             startJson + "}");
}

void MessagesFromChatStream::closeBlock(std::string& out)
{
    if (!blockOpen_)
        return;
    blockOpen_ = false;
    emit(out, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + std::to_string(nextBlock_) + "}");
    ++nextBlock_;
}

void MessagesFromChatStream::finish(std::string& out)
{
    if (finished_)
        return;
    finished_ = true;
    if (!started_)
        start({}, {}, out);
    closeBlock(out);
    emit(out, "message_delta",
         "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":" + jsonString(stopReason_) +
             ",\"stop_sequence\":null,\"stop_details\":null},\"usage\":{\"input_tokens\":" +
             std::to_string(inputTokens_ - cachedTokens_) +
             ",\"cache_read_input_tokens\":" + std::to_string(cachedTokens_) +
             ",\"output_tokens\":" + std::to_string(outputTokens_) + "}}");
    emit(out, "message_stop", "{\"type\":\"message_stop\"}");
}

void MessagesFromChatStream::translate(std::string_view event, std::string& out)
{
    if (finished_)
        return;
    std::string_view name;
    std::string data;
    splitSseEvent(event, name, data);
    if (data == "[DONE]")
        return finish(out);
    const Object::Ptr chunk = parseObject(data);
    if (!chunk)
        return; // a comment, or nothing a Messages client could use
    if (const Object::Ptr error = chunk->getObject("error"))
    {
        finished_ = true;
        emit(out, "error", anthropicErrorBody("api_error", stringOf(*error, "message")));
        return;
    }
    if (!started_)
        start(stringOf(*chunk, "id"), stringOf(*chunk, "model"), out);
    if (const Object::Ptr usage = chunk->getObject("usage"))
    {
        inputTokens_ = numberOf(usage.get(), "prompt_tokens");
        outputTokens_ = numberOf(usage.get(), "completion_tokens");
        const Object::Ptr details = usage->getObject("prompt_tokens_details");
        cachedTokens_ = numberOf(details.get(), "cached_tokens");
    }
    const Array::Ptr choices = chunk->getArray("choices");
    const Object::Ptr choice = choices && choices->size() > 0 ? choices->getObject(0) : nullptr;
    if (!choice)
        return;
    if (const Object::Ptr delta = choice->getObject("delta"))
    {
        const std::string text = stringOf(*delta, "content");
        if (!text.empty())
        {
            if (!blockOpen_ || openTool_ != -1)
            {
                openTool_ = -1;
                openBlock("{\"type\":\"text\",\"text\":\"\"}", out);
            }
            emit(out, "content_block_delta",
                 "{\"type\":\"content_block_delta\",\"index\":" + std::to_string(nextBlock_) +
                     ",\"delta\":{\"type\":\"text_delta\",\"text\":" + jsonString(text) + "}}");
        }
        if (const Array::Ptr calls = delta->getArray("tool_calls"))
            for (std::size_t i = 0; i < calls->size(); ++i)
            {
                const Object::Ptr call = calls->getObject(static_cast<unsigned>(i));
                const Object::Ptr function = call ? call->getObject("function") : nullptr;
                if (!function)
                    continue;
                const int index = static_cast<int>(numberOf(call.get(), "index"));
                const std::string name = stringOf(*function, "name");
                if (!name.empty() || !blockOpen_ || openTool_ != index)
                {
                    openTool_ = index;
                    openBlock("{\"type\":\"tool_use\",\"id\":" + jsonString(stringOf(*call, "id")) +
                                  ",\"name\":" + jsonString(name) + ",\"input\":{}}",
                              out);
                }
                const std::string arguments = stringOf(*function, "arguments");
                if (!arguments.empty())
                    emit(out, "content_block_delta",
                         "{\"type\":\"content_block_delta\",\"index\":" + std::to_string(nextBlock_) +
                             ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":" + jsonString(arguments) +
                             "}}");
            }
    }
    const Var finish = choice->get("finish_reason");
    if (finish.isString())
    {
        stopReason_ = stopReasonOf(finish.extract<std::string>());
        closeBlock(out);
    }
}

} // namespace portico::openai
