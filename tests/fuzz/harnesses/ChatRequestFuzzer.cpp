// Fuzzes POST /v1/chat/completions request parsing (ChatRequest::parse). See
// OpenAiRequestContract.h for the contract; on success, the documented bounds hold.

#include "ChatRequest.h"
#include "EchoModel.h"
#include "OpenAiRequestContract.h"

using portico::fuzz::check;
using namespace portico::openai;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    portico::fuzz::fuzzRequest(data, size, ChatRequest::parse, [](const ChatRequest& request, const LocalBackendConfig& limits) {
        check(!request.conversation.turns.empty(), "at least one message");
        check(request.n >= 1 && request.n <= 128, "n in 1..128");
        check(request.stop.size() <= 4, "at most 4 stop sequences");
        check(!request.maxTokens || (*request.maxTokens >= 1 && *request.maxTokens <= limits.maxOutputTokens),
              "max tokens in 1..local.max_output_tokens");
        check(request.stream || !request.includeUsage, "include_usage only with stream");
        // The accepted request is answerable: portico-echo's tokens give its text back.
        EchoAnswer answer;
        EchoModel::answer(request.conversation, request.maxTokens, request.stop, answer);
        std::string joined;
        for (const auto token : answer.tokens)
            joined += token;
        check(joined == answer.text, "the answer's tokens concatenate to its text");
    });
    return 0;
}
