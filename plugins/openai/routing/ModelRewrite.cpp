#include "ModelRewrite.h"
#include "upstream/JsonObjectScanner.h"
#include "portico/Json.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <optional>
#include <sstream>

namespace portico::openai {

namespace {

/// Poco's way, for bodies the scanner leaves alone.
std::string rewrittenByParser(std::string_view body, const std::string& model)
{
    Poco::JSON::Parser parser;
    const Poco::Dynamic::Var parsed = parser.parse(std::string(body));
    Poco::JSON::Object::Ptr object = parsed.extract<Poco::JSON::Object::Ptr>();
    object->set("model", model);
    std::ostringstream out;
    object->stringify(out);
    return out.str();
}

} // namespace

std::string withModel(std::string_view body, const std::string& model, std::size_t maxDepth)
{
    JsonObjectScanner scanner(body, maxDepth);
    JsonMember member;
    std::optional<std::string_view> value;
    while (scanner.next(member))
    {
        if (member.keyEscaped)
            return rewrittenByParser(body, model);
        if (member.key != "model")
            continue;
        if (value)
            return rewrittenByParser(body, model); // twice: the parser decides which counts
        value = member.value;
    }
    if (!scanner.ok())
        return rewrittenByParser(body, model);
    const std::string quoted = jsonString(model);
    std::string out;
    out.reserve(body.size() + quoted.size() + 10);
    if (value)
    {
        const std::size_t at = static_cast<std::size_t>(value->data() - body.data());
        out.append(body.data(), at);
        out += quoted;
        out.append(body.data() + at + value->size(), body.size() - at - value->size());
        return out;
    }
    // No "model": it goes first, before whatever members there are.
    const std::size_t open = body.find('{');
    const std::size_t firstMember = body.find_first_not_of(" \t\r\n", open + 1);
    out.append(body.data(), open + 1);
    out += "\"model\":";
    out += quoted;
    if (firstMember != std::string_view::npos && body[firstMember] != '}')
        out += ',';
    out.append(body.data() + open + 1, body.size() - open - 1);
    return out;
}

} // namespace portico::openai
