// Differential fuzzing of scannedChatRequest (anthropic/ChatFromMessagesScan.h), the tree-less
// translation of a /v1/messages request into a chat completions request, against the path it
// stands in for: Poco::JSON's parse (parseJsonObject, as MessagesHandler parses),
// MessagesRequest::parse (Kind::Create, no max_tokens cap) and chatRequestFromMessages. The scan
// may always decline; whenever it gives a request:
//   - the body parses as one JSON object within the depth limit and the validation accepts it
//     (so every 400 still comes from MessagesRequest::parse);
//   - the request is valid JSON (Poco::JSON and, independently, JsonObjectScanner) and is the
//     reference's request as a JSON value: the same members whatever their order, numbers by
//     value, and a tool call's function.arguments compared as the JSON it holds.
// At depth 64 (the configured default) and 4 (so the edge is reached cheaply).

#include "FuzzCheck.h"
#include "JsonBody.h"
#include "JsonObjectScanner.h"
#include "anthropic/AnthropicError.h"
#include "anthropic/ChatFromMessages.h"
#include "anthropic/ChatFromMessagesScan.h"
#include "anthropic/MessagesRequest.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

using portico::fuzz::check;
using namespace portico::openai;
using namespace portico::openai::anthropic;
using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

bool isObjectVar(const Var& value)
{
    return value.type() == typeid(Object::Ptr);
}

bool isArrayVar(const Var& value)
{
    return value.type() == typeid(Array::Ptr);
}

/// messages.N.tool_calls.N.function.arguments: a string holding JSON, compared as that JSON.
bool isArgumentsPath(const std::vector<std::string>& path)
{
    return path.size() == 6 && path[0] == "messages" && path[2] == "tool_calls" && path[4] == "function" &&
           path[5] == "arguments";
}

/// Deep equality of two parsed JSON values (see the top of the file); `path` is where.
bool sameJson(const Var& a, const Var& b, std::vector<std::string>& path)
{
    if (a.isEmpty() || b.isEmpty())
        return a.isEmpty() && b.isEmpty();
    if (isObjectVar(a) || isObjectVar(b))
    {
        if (!isObjectVar(a) || !isObjectVar(b))
            return false;
        const Object& x = *a.extract<Object::Ptr>();
        const Object& y = *b.extract<Object::Ptr>();
        if (x.size() != y.size())
            return false;
        for (const auto& member : x)
        {
            if (!y.has(member.first))
                return false;
            path.push_back(member.first);
            const bool same = sameJson(member.second, y.get(member.first), path);
            path.pop_back();
            if (!same)
                return false;
        }
        return true;
    }
    if (isArrayVar(a) || isArrayVar(b))
    {
        if (!isArrayVar(a) || !isArrayVar(b))
            return false;
        const Array& x = *a.extract<Array::Ptr>();
        const Array& y = *b.extract<Array::Ptr>();
        if (x.size() != y.size())
            return false;
        for (unsigned i = 0; i < x.size(); ++i)
        {
            path.push_back(std::to_string(i));
            const bool same = sameJson(x.get(i), y.get(i), path);
            path.pop_back();
            if (!same)
                return false;
        }
        return true;
    }
    if (a.isBoolean() || b.isBoolean())
        return a.isBoolean() && b.isBoolean() && a.extract<bool>() == b.extract<bool>();
    if (a.isString() || b.isString())
    {
        if (!a.isString() || !b.isString())
            return false;
        const std::string x = a.extract<std::string>(), y = b.extract<std::string>();
        if (!isArgumentsPath(path))
            return x == y;
        Var px, py;
        try
        {
            px = Poco::JSON::Parser().parse(x);
            py = Poco::JSON::Parser().parse(y);
        }
        catch (const Poco::Exception&)
        {
            return x == y;
        }
        std::vector<std::string> inner; // the arguments' own members are not a chat request's
        inner.push_back("(arguments)");
        return sameJson(px, py, inner);
    }
    if (a.isNumeric() && b.isNumeric())
    {
        if (a.isInteger() && b.isInteger())
            return a.convert<std::string>() == b.convert<std::string>();
        return a.convert<double>() == b.convert<double>();
    }
    return false;
}

/// Aborts with the body, the scan's request and `detail` (the reference or the refusal).
[[noreturn]] void violated(const char* what, const std::string& body, const std::string& scanned,
                           const std::string& detail)
{
    std::fprintf(stderr, "body:      %s\nscanned:   %s\nreference: %s\n", body.c_str(), scanned.c_str(),
                 detail.c_str());
    check(false, what);
    std::abort();
}

/// True when `text` is exactly one valid JSON object by the independent strict scanner (which
/// gives up on some valid texts: \u0000, surrogates, long numbers; then Poco alone decides).
bool scannerRefuses(const std::string& text)
{
    JsonObjectScanner scanner(text, 1024); // the request nests a level deeper than the body
    JsonMember member;
    while (scanner.next(member))
    {
    }
    return !scanner.ok();
}

void checkAt(const std::string& body, std::size_t depth)
{
    const auto scanned = scannedChatRequest(body, depth);
    if (!scanned)
        return; // declined: the slow path decides, which is always right

    // The scan's request is JSON on its own.
    Var got;
    try
    {
        got = Poco::JSON::Parser().parse(*scanned);
    }
    catch (const Poco::Exception& error)
    {
        violated("the scan's request is not JSON", body, *scanned, error.displayText());
    }
    if (!isObjectVar(got))
        violated("the scan's request is not a JSON object", body, *scanned, "");
    if (scannerRefuses(*scanned) && !scannerRefuses(body))
        violated("JsonObjectScanner refuses the scan's request but not the body", body, *scanned, "");

    // The body is a JSON object within the depth limit, and valid.
    Object::Ptr object;
    try
    {
        object = parseJsonObject(body, depth);
    }
    catch (const RequestError& error)
    {
        violated("the scan translated a body the handler's parse refuses", body, *scanned, error.what());
    }
    LocalBackendConfig limits;
    limits.maxOutputTokens = std::numeric_limits<std::int64_t>::max();
    try
    {
        MessagesRequest::parse(*object, limits, MessagesRequest::Kind::Create);
    }
    catch (const AnthropicError& error)
    {
        violated("the scan translated a body MessagesRequest::parse refuses", body, *scanned, error.what());
    }

    // The same request as the reference's.
    const std::string reference = chatRequestFromMessages(*object);
    Var expected;
    try
    {
        expected = Poco::JSON::Parser().parse(reference);
    }
    catch (const Poco::Exception&)
    {
        // The reference itself is not JSON (a finding of its own): nothing to compare with.
        violated("the reference (chatRequestFromMessages) is not JSON", body, *scanned, reference);
    }
    std::vector<std::string> path;
    if (!sameJson(expected, got, path))
        violated("the scan's request differs from chatRequestFromMessages", body, *scanned, reference);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string body(reinterpret_cast<const char*>(data), size);
    for (const std::size_t depth : {std::size_t(64), std::size_t(4)})
        checkAt(body, depth);
    return 0;
}
