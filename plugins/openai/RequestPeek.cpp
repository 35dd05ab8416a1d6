#include "RequestPeek.h"
#include "JsonBody.h"
#include "JsonObjectScanner.h"
#include "Poco/JSON/Object.h"

namespace portico::openai {

std::optional<RequestPeek> peekRequest(std::string_view body, std::size_t maxDepth)
{
    JsonObjectScanner scanner(body, maxDepth);
    JsonMember member;
    std::optional<std::string_view> model;
    std::optional<std::string_view> stream;
    while (scanner.next(member))
    {
        // An escaped key might spell "model" once decoded: only the full parse can tell.
        if (member.keyEscaped)
            return std::nullopt;
        std::optional<std::string_view>* field = member.key == "model"    ? &model
                                                 : member.key == "stream" ? &stream
                                                                          : nullptr;
        if (!field)
            continue;
        if (*field)
            return std::nullopt; // twice: which one counts is the full parser's business
        *field = member.value;
    }
    std::string_view modelText;
    if (!scanner.ok() || !model || !JsonObjectScanner::plainString(*model, modelText))
        return std::nullopt;
    return RequestPeek{std::string(modelText), stream && *stream == "true"};
}

RequestPeek readRequestPeek(const Poco::JSON::Object& body)
{
    RequestPeek peek;
    peek.model = FieldReader(body).requiredString("model");
    peek.stream = body.has("stream") && body.get("stream").isBoolean() && body.get("stream").extract<bool>();
    return peek;
}

} // namespace portico::openai
