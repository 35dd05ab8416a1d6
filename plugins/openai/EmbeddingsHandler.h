#pragma once
/// POST /v1/embeddings on the local backend (portico-embed): validates the request, embeds every
/// input in order, answers OpenAI's list of embedding objects with usage, and sets the usage
/// attributes (input tokens; output 0).

#include "AnswerLater.h"
#include "OpenAiConfig.h"
#include "portico/Exchange.h"
#include "Poco/JSON/Object.h"

namespace portico::openai {

class EmbeddingsHandler
{
public:
    explicit EmbeddingsHandler(const LocalBackendConfig& config) : config_(config) {}

    /// Answers `exchange`; throws RequestError for an invalid request.
    /// `later` takes the task when the answer comes later (AnswerLater.h).
    void handle(Exchange& exchange, const Poco::JSON::Object& body, const AnswerLater& later) const;

private:
    const LocalBackendConfig& config_;
};

} // namespace portico::openai
