#pragma once
/// The JSON of the Responses API as the official SDKs type it (openai-node
/// resources/responses/responses.d.ts): the Response object, its output message item, and the
/// stream events with their increasing sequence_number.

#include "ResponsesRequest.h"
#include <cstdint>
#include <optional>
#include <string>

namespace portico::openai {

/// A Response at one moment of its life.
struct ResponseState
{
    std::string id;          ///< "resp_…"
    std::int64_t createdAt = 0;
    std::string model;
    const ResponseSettings* settings = nullptr;
    /// "in_progress", "completed" or "incomplete".
    std::string status = "in_progress";
    std::optional<std::int64_t> completedAt;
    /// incomplete_details.reason is "max_output_tokens" when set.
    bool cutAtMaxTokens = false;

    /// The assistant message (absent until the output item is added).
    bool hasMessage = false;
    std::string messageId; ///< "msg_…"
    std::string text;

    /// Usage (null until the response is done).
    bool hasUsage = false;
    std::size_t inputTokens = 0;
    std::size_t outputTokens = 0;
};

/// The whole Response object.
std::string responseJson(const ResponseState& state);
/// The output message item: content empty while `inProgress`, else one output_text part.
std::string messageItemJson(const ResponseState& state, bool inProgress);
/// {"type":"output_text","annotations":[],"logprobs":[],"text":…}
std::string outputTextPartJson(const std::string& text);

/// Builds the data of each stream event, numbering them from 0.
class ResponseEvents
{
public:
    /// response.created / response.in_progress / response.completed / response.incomplete
    std::string lifecycle(const char* type, const ResponseState& state);
    std::string outputItem(const char* type, const ResponseState& state, bool inProgress);
    std::string contentPart(const char* type, const ResponseState& state, const std::string& text);
    std::string textDelta(const ResponseState& state, std::string_view delta);
    std::string textDone(const ResponseState& state);
    /// The `error` event: ResponseErrorEvent's fields, plus OpenAI's usual error object under
    /// "error" so that SDKs that look for it raise an APIError.
    std::string error(const std::string& code, const std::string& message);

    int next() const { return sequence_; }

private:
    int sequence_ = 0;
};

} // namespace portico::openai
