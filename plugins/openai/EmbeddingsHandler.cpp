#include "EmbeddingsHandler.h"
#include "EmbeddingEncoding.h"
#include "EmbeddingsRequest.h"
#include "HashingEmbedder.h"
#include "JsonWriter.h"
#include "portico/Attributes.h"

namespace portico::openai {

void EmbeddingsHandler::handle(Exchange& exchange, const Poco::JSON::Object& body, const AnswerLater& /*later: embeddings answer at once*/) const
{
    const EmbeddingsRequest request = EmbeddingsRequest::parse(body, config_);
    std::size_t promptTokens = 0;

    JsonWriter w;
    w.beginObject().field("object", "list").key("data").beginArray();
    for (std::size_t i = 0; i < request.inputs.size(); ++i)
    {
        const EmbeddingInput& input = request.inputs[i];
        promptTokens += input.tokenCount;
        const std::vector<float> vector = input.isTokens
                                              ? HashingEmbedder::embedTokens(input.tokens, request.dimensions)
                                              : HashingEmbedder::embedText(input.text, request.dimensions);
        w.beginObject().field("object", "embedding").field("index", i).key("embedding");
        if (request.base64)
            w.value(embeddingAsBase64(vector));
        else
            w.raw(embeddingAsJsonArray(vector));
        w.endObject();
    }
    w.endArray()
        .field("model", request.model)
        .key("usage")
        .beginObject()
        .field("prompt_tokens", promptTokens)
        .field("total_tokens", promptTokens)
        .endObject()
        .endObject();

    exchange.set(attr::UsageInputTokens, std::to_string(promptTokens));
    exchange.set(attr::UsageOutputTokens, "0");
    // So that no plugin reads megabytes of floats back for them, nor the inputs for a limit
    // that embeddings do not have.
    exchange.set(attr::ResponseModel, request.model);
    exchange.set(attr::ResponseFinishReasons, std::string());
    exchange.set(attr::RequestMaxTokens, std::string());
    exchange.respond(200, w.take());
}

} // namespace portico::openai
