// Fuzzes POST /v1/embeddings request parsing (EmbeddingsRequest::parse). See
// OpenAiRequestContract.h for the contract; on success, the documented bounds hold.

#include "EmbeddingsRequest.h"
#include "OpenAiRequestContract.h"

using portico::fuzz::check;
using namespace portico::openai;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    portico::fuzz::fuzzRequest(data, size, EmbeddingsRequest::parse,
                               [](const EmbeddingsRequest& request, const LocalBackendConfig& limits) {
        check(!request.inputs.empty(), "at least one input");
        check(request.inputs.size() <= static_cast<std::size_t>(limits.embedMaxInputs), "at most max_inputs");
        check(request.dimensions >= 1 && request.dimensions <= static_cast<std::size_t>(limits.embedMaxDimensions),
              "dimensions in 1..max_dimensions");
        for (const auto& input : request.inputs)
        {
            check(input.tokenCount <= static_cast<std::size_t>(limits.embedMaxInputTokens), "each input within max_input_tokens");
            check(input.isTokens ? input.tokenCount == input.tokens.size() : input.tokens.empty(), "token ids xor text");
        }
    });
    return 0;
}
