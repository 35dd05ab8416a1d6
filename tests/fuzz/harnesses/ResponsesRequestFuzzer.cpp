// Fuzzes POST /v1/responses request parsing (ResponsesRequest::parse). See
// OpenAiRequestContract.h for the contract; on success, the documented bounds hold.

#include "EchoModel.h"
#include "OpenAiRequestContract.h"
#include "ResponsesRequest.h"
#include "Poco/JSON/Parser.h"

using portico::fuzz::check;
using namespace portico::openai;

namespace {

/// The fragments the Response object echoes back must each be a JSON value (Poco's parser
/// wants an object or array at the top, hence the brackets).
void checkJsonFragment(const std::string& fragment, const char* what)
{
    try
    {
        Poco::JSON::Parser().parse("[" + fragment + "]");
    }
    catch (...)
    {
        check(false, what);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    portico::fuzz::fuzzRequest(data, size, ResponsesRequest::parse,
                               [](const ResponsesRequest& request, const LocalBackendConfig& limits) {
        check(!request.conversation.turns.empty(), "at least one input message");
        const auto& max = request.settings.maxOutputTokens;
        check(!max || (*max >= 1 && *max <= limits.maxOutputTokens), "max_output_tokens in 1..limit");
        checkJsonFragment(request.settings.metadataJson, "metadata is JSON");
        checkJsonFragment(request.settings.toolsJson, "tools is JSON");
        checkJsonFragment(request.settings.toolChoiceJson, "tool_choice is JSON");
        checkJsonFragment(request.settings.textJson, "text is JSON");
        checkJsonFragment(request.settings.reasoningJson, "reasoning is JSON");
        EchoAnswer answer;
        EchoModel::answer(request.conversation, max, {}, answer);
        std::string joined;
        for (const auto token : answer.tokens)
            joined += token;
        check(joined == answer.text, "the answer's tokens concatenate to its text");
    });
    return 0;
}
