// Differential fuzzing of peekRequest (JsonObjectScanner) against the full parse it stands in
// for (parseJsonObject + FieldReader, as OpenAiPlugin::handlePost does it). peekRequest may
// always decline (the caller then parses in full); whenever it answers, the full parse must
// accept the body and find the same model and stream flag. Also: whenever JsonObjectScanner
// calls a text one valid object, Poco::JSON must parse it to an object with those keys.

#include "FuzzCheck.h"
#include "JsonBody.h"
#include "JsonObjectScanner.h"
#include "RequestPeek.h"
#include <cstdint>
#include <set>
#include <string>

using portico::fuzz::check;
using namespace portico::openai;

namespace {

/// What OpenAiPlugin::handlePost's full path decides: model and stream, or nothing (a 400).
std::optional<RequestPeek> fullParse(const std::string& body, std::size_t depth)
{
    try
    {
        return readRequestPeek(*parseJsonObject(body, depth));
    }
    catch (const RequestError&)
    {
        return std::nullopt;
    }
}

void checkScannerValidity(const std::string& body, std::size_t depth)
{
    JsonObjectScanner scanner(body, depth);
    JsonMember member;
    std::set<std::string> keys;
    std::size_t members = 0;
    bool escapedKey = false;
    while (scanner.next(member))
    {
        ++members;
        escapedKey = escapedKey || member.keyEscaped;
        if (!member.keyEscaped)
            keys.emplace(member.key);
    }
    if (!scanner.ok())
        return;
    Poco::JSON::Object::Ptr object;
    try
    {
        object = parseJsonObject(body, depth);
    }
    catch (const RequestError&)
    {
        check(false, "JsonObjectScanner accepted a body that Poco::JSON refuses");
    }
    for (const auto& key : keys)
        check(object->has(key), "a key the scanner found is in Poco's object");
    if (!escapedKey && keys.size() == members)
        check(object->size() == members, "Poco's object has as many members as the scanner found");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string body(reinterpret_cast<const char*>(data), size);
    // The configured default (64) and a small limit, so that the depth edge is reached cheaply.
    for (const std::size_t depth : {std::size_t(64), std::size_t(4)})
    {
        checkScannerValidity(body, depth);
        const auto peek = peekRequest(body, depth);
        if (!peek)
            continue; // declined: the full parse decides, which is always right
        const auto full = fullParse(body, depth);
        check(full.has_value(), "peekRequest answered for a body the full parse refuses");
        check(full->model == peek->model, "peekRequest found another model than the full parse");
        check(full->stream == peek->stream, "peekRequest found another stream flag than the full parse");
    }
    return 0;
}
