#include "ChatShapes.h"
#include "JsonWriter.h"
#include "portico/Json.h"

namespace portico::openai {

namespace {

constexpr const char* systemFingerprint = "fp_portico";

void writeHead(JsonWriter& w, const ChatIdentity& identity, const char* object)
{
    w.beginObject()
        .field("id", identity.id)
        .field("object", object)
        .field("created", identity.created)
        .field("model", identity.model)
        .field("service_tier", "default")
        .field("system_fingerprint", systemFingerprint);
}

void writeUsage(JsonWriter& w, const ChatUsage& usage)
{
    w.key("usage")
        .beginObject()
        .field("prompt_tokens", usage.promptTokens)
        .field("completion_tokens", usage.completionTokens)
        .field("total_tokens", usage.promptTokens + usage.completionTokens)
        .key("prompt_tokens_details")
        .beginObject()
        .field("cached_tokens", 0)
        .field("audio_tokens", 0)
        .endObject()
        .key("completion_tokens_details")
        .beginObject()
        .field("reasoning_tokens", 0)
        .field("audio_tokens", 0)
        .field("accepted_prediction_tokens", 0)
        .field("rejected_prediction_tokens", 0)
        .endObject()
        .endObject();
}

} // namespace

const char* finishReasonName(FinishReason reason)
{
    return reason == FinishReason::Length ? "length" : "stop";
}

std::string chatCompletionJson(const ChatIdentity& identity, std::size_t n, const std::string& text,
                               FinishReason finish, const ChatUsage& usage)
{
    JsonWriter w;
    writeHead(w, identity, "chat.completion");
    w.key("choices").beginArray();
    for (std::size_t i = 0; i < n; ++i)
    {
        w.beginObject()
            .field("index", i)
            .key("message")
            .beginObject()
            .field("role", "assistant")
            .field("content", text)
            .nullField("refusal")
            .key("annotations")
            .beginArray()
            .endArray()
            .endObject()
            .nullField("logprobs")
            .field("finish_reason", finishReasonName(finish))
            .endObject();
    }
    w.endArray();
    writeUsage(w, usage);
    w.endObject();
    return w.take();
}

class ChatChunks::Writer
{
public:
    /// Opens a chunk with one choice at `index`; the caller writes the delta's members.
    Writer(const ChatChunks& chunks, std::size_t index) : chunks_(chunks)
    {
        writeHead(w, chunks.identity_, "chat.completion.chunk");
        w.key("choices").beginArray().beginObject().field("index", index).key("delta").beginObject();
    }

    std::string close(const char* finishReason)
    {
        w.endObject().nullField("logprobs");
        if (finishReason)
            w.field("finish_reason", finishReason);
        else
            w.nullField("finish_reason");
        w.endObject().endArray();
        if (chunks_.includeUsage_)
            w.nullField("usage");
        w.endObject();
        return w.take();
    }

    JsonWriter w;

private:
    const ChatChunks& chunks_;
};

std::string ChatChunks::roleChunk(std::size_t index) const
{
    Writer chunk(*this, index);
    chunk.w.field("role", "assistant").field("content", "").nullField("refusal");
    return chunk.close(nullptr);
}

std::string ChatChunks::contentChunk(std::size_t index, std::string_view content) const
{
    if (index >= contentFrames_.size())
        contentFrames_.resize(index + 1);
    Frame& frame = contentFrames_[index];
    if (frame.before.empty())
    {
        // The chunk with an empty content, split around that content's value. Every string
        // before it is escaped, so the only unescaped `"content":""` is the content's own.
        Writer chunk(*this, index);
        chunk.w.field("content", "");
        const std::string whole = chunk.close(nullptr);
        static constexpr std::string_view marker = "\"content\":\"\"";
        const std::size_t at = whole.rfind(marker);
        frame.before = whole.substr(0, at + marker.size() - 2);
        frame.after = whole.substr(at + marker.size());
    }
    const std::string value = jsonString(content);
    std::string out;
    out.reserve(frame.before.size() + value.size() + frame.after.size());
    out += frame.before;
    out += value;
    out += frame.after;
    return out;
}

std::string ChatChunks::finishChunk(std::size_t index, FinishReason finish) const
{
    Writer chunk(*this, index);
    return chunk.close(finishReasonName(finish));
}

std::string ChatChunks::usageChunk(const ChatUsage& usage) const
{
    JsonWriter w;
    writeHead(w, identity_, "chat.completion.chunk");
    w.key("choices").beginArray().endArray();
    writeUsage(w, usage);
    w.endObject();
    return w.take();
}

std::string ChatChunks::errorData(const std::string& message)
{
    return openAiErrorBody(message, "server_error", "server_error");
}

} // namespace portico::openai
