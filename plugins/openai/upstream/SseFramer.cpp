#include "SseFramer.h"
#include "Poco/JSON/Parser.h"

namespace portico::openai {

namespace {

std::string_view trimLeft(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    return text;
}

bool isTerminalEvent(std::string_view name)
{
    return name == "response.completed" || name == "response.incomplete" || name == "message_stop";
}

/// Events that end a stream with the upstream's own failure.
bool isFailureEvent(std::string_view name)
{
    return name == "response.failed" || name == "error";
}

} // namespace

void splitSseEvent(std::string_view event, std::string_view& name, std::string& data)
{
    bool first = true;
    while (!event.empty())
    {
        const auto end = event.find('\n');
        std::string_view line = event.substr(0, end);
        event = end == std::string_view::npos ? std::string_view() : event.substr(end + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        auto field = [&line](std::string_view key) -> std::optional<std::string_view> {
            if (line.compare(0, key.size(), key) != 0)
                return std::nullopt;
            std::string_view value = line.substr(key.size());
            if (!value.empty() && value.front() == ' ')
                value.remove_prefix(1);
            return value;
        };
        if (auto value = field("event:"))
            name = *value;
        else if (auto value = field("data:"))
        {
            if (!first)
                data += '\n';
            data.append(value->data(), value->size());
            first = false;
        }
    }
}

void SseFramer::feed(std::string_view bytes)
{
    // Drop what has been handed out once it is most of the buffer, so a long stream does not
    // grow it without bound.
    if (consumed_ > 0 && consumed_ * 2 >= buffer_.size())
    {
        buffer_.erase(0, consumed_);
        scanned_ -= consumed_;
        lineStart_ -= consumed_;
        consumed_ = 0;
    }
    buffer_.append(bytes.data(), bytes.size());
}

std::optional<std::string_view> SseFramer::next()
{
    for (std::size_t i = scanned_; i < buffer_.size(); ++i)
    {
        if (buffer_[i] != '\n')
            continue;
        std::size_t lineEnd = i;
        if (lineEnd > lineStart_ && buffer_[lineEnd - 1] == '\r')
            --lineEnd;
        const bool blank = lineEnd == lineStart_;
        lineStart_ = i + 1;
        if (!blank)
            continue;
        const std::size_t begin = consumed_;
        consumed_ = i + 1;
        scanned_ = i + 1;
        // A blank line with no event before it (stray separators) carries nothing: skip it.
        if (lineEnd == begin)
            continue;
        refuseOversize(consumed_ - begin);
        return std::string_view(buffer_).substr(begin, consumed_ - begin);
    }
    scanned_ = buffer_.size();
    // Checked after every feed, so an event without its blank line holds at most the cap plus
    // one read's bytes.
    refuseOversize(buffer_.size() - consumed_);
    return std::nullopt;
}

void SseFramer::refuseOversize(std::size_t eventBytes) const
{
    if (eventBytes > maxEventBytes_)
        throw AnswerTooLarge("an event of the upstream's stream is larger than " + std::to_string(maxEventBytes_) +
                                 " bytes",
                             "max_event_bytes", maxEventBytes_);
}

void SseFramer::inspect(std::string_view event)
{
    ++events_;
    std::string_view name;
    std::string data;
    bool hasData = false;
    while (!event.empty())
    {
        const std::size_t newline = event.find('\n');
        std::string_view line = event.substr(0, newline);
        event.remove_prefix(newline == std::string_view::npos ? event.size() : newline + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.compare(0, 6, "event:") == 0)
            name = trimLeft(line.substr(6));
        else if (line.compare(0, 5, "data:") == 0)
        {
            if (hasData)
                data += '\n';
            std::string_view value = line.substr(5);
            if (!value.empty() && value.front() == ' ')
                value.remove_prefix(1); // the one optional space after the colon (SSE spec)
            data.append(value.data(), value.size());
            hasData = true;
        }
    }
    if (isTerminalEvent(name) || data == "[DONE]")
        finished_ = true;
    else if (isFailureEvent(name) || (name.empty() && trimLeft(data).compare(0, 8, "{\"error\"") == 0))
    {
        // A chat stream's error chunk ends it too.
        finished_ = true;
        if (!failed_)
        {
            failed_ = true;
            failure_ = data.substr(0, 300);
        }
    }
    if (name == "message_delta")
        noteMessageDelta(data);
    else if (data.find("\"usage\"") != std::string::npos)
    {
        if (auto usage = scanUsage(data))
            usage_ = usage;
    }
}

void SseFramer::noteMessageDelta(const std::string& data)
{
    // Anthropic's message_delta carries the output tokens so far, and the input tokens only in
    // newer API versions: the input tokens of message_start stay unless it has them. One small
    // event per stream: parsed whole.
    try
    {
        Poco::JSON::Parser parser;
        const auto event = parser.parse(data).extract<Poco::JSON::Object::Ptr>();
        const auto usage = event ? event->getObject("usage") : nullptr;
        if (!usage)
            return;
        Usage merged = usage_.value_or(Usage{});
        if (usage->has("output_tokens") && usage->get("output_tokens").isInteger())
            merged.outputTokens = usage->getValue<long long>("output_tokens");
        if (usage->has("input_tokens") && usage->get("input_tokens").isInteger())
        {
            // Cumulative totals, cache reads and writes counted as input (UsageScanner.h).
            const auto count = [&](const char* name) {
                return usage->has(name) && usage->get(name).isInteger() ? usage->getValue<long long>(name) : 0LL;
            };
            merged.cachedInputTokens = count("cache_read_input_tokens");
            merged.inputTokens =
                usage->getValue<long long>("input_tokens") + merged.cachedInputTokens + count("cache_creation_input_tokens");
        }
        usage_ = merged;
    }
    catch (const Poco::Exception&)
    {
        // Not the JSON we know: the usage so far stands.
    }
}

} // namespace portico::openai
