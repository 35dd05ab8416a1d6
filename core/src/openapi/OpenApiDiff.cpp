#include "openapi/OpenApiDiff.h"
#include "openapi/CanonicalJson.h"
#include "Poco/JSON/Array.h"
#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace portico {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

const char* const Methods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

enum class Direction
{
    Request,  ///< what the client sends: narrowing it breaks the client
    Response  ///< what the client reads: removing from it breaks the client
};

std::string upper(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::vector<std::string> names(const Object::Ptr& object)
{
    std::vector<std::string> keys;
    if (object)
        object->getNames(keys);
    std::sort(keys.begin(), keys.end());
    return keys;
}

Object::Ptr child(const Object::Ptr& object, const std::string& key)
{
    return object && object->has(key) ? object->getObject(key) : Object::Ptr();
}

/// The names in a "type" or "required" member (a string or an array of strings).
std::set<std::string> nameSet(const Object::Ptr& object, const std::string& key)
{
    std::set<std::string> values;
    if (!object || !object->has(key))
        return values;
    const Poco::Dynamic::Var value = object->get(key);
    if (value.isString())
        values.insert(value.extract<std::string>());
    else if (Array::Ptr array = object->getArray(key))
        for (std::size_t i = 0; i < array->size(); ++i)
            values.insert(array->get(static_cast<unsigned>(i)).convert<std::string>());
    return values;
}

/// An "enum" member's values as JSON text ("\"float\"", "1"), so that "1" and 1 differ.
std::set<std::string> enumSet(const Object::Ptr& object)
{
    std::set<std::string> values;
    const Array::Ptr array = object && object->has("enum") ? object->getArray("enum") : Array::Ptr();
    for (std::size_t i = 0; array && i < array->size(); ++i)
    {
        std::string text = canonicalJson(array->get(static_cast<unsigned>(i)));
        while (!text.empty() && text.back() == '\n')
            text.pop_back();
        values.insert(text);
    }
    return values;
}

std::string joined(const std::set<std::string>& values)
{
    std::string text;
    for (const auto& value : values)
        text += (text.empty() ? "" : ", ") + value;
    return text;
}

bool isSuccess(const std::string& status)
{
    return !status.empty() && status[0] == '2';
}

class Differ
{
public:
    Differ(Object::Ptr base, Object::Ptr candidate) : base_(std::move(base)), candidate_(std::move(candidate)) {}

    OpenApiDiffResult run()
    {
        const Object::Ptr basePaths = child(base_, "paths");
        const Object::Ptr candidatePaths = child(candidate_, "paths");
        for (const auto& path : names(basePaths))
        {
            const Object::Ptr candidateItem = child(candidatePaths, path);
            if (!candidateItem)
            {
                breaking(path + ": path removed");
                continue;
            }
            const Object::Ptr baseItem = child(basePaths, path);
            for (const char* method : Methods)
            {
                const std::string where = upper(method) + " " + path;
                const Object::Ptr before = child(baseItem, method);
                const Object::Ptr after = child(candidateItem, method);
                if (before && !after)
                    breaking(where + ": operation removed");
                else if (!before && after)
                    note(where + ": operation added");
                else if (before && after)
                    compareOperation(where, baseItem, before, candidateItem, after);
            }
        }
        for (const auto& path : names(candidatePaths))
            if (!child(basePaths, path))
                note(path + ": path added");
        return std::move(result_);
    }

private:
    void breaking(const std::string& text) { result_.breaking.push_back(text); }
    void note(const std::string& text) { result_.notes.push_back(text); }

    /// Follows local $refs ("#/a/b/c") in `document`.
    static Object::Ptr resolve(const Object::Ptr& document, Object::Ptr object)
    {
        for (int hops = 0; object && object->has("$ref") && hops < 32; ++hops)
        {
            const std::string ref = object->getValue<std::string>("$ref");
            if (ref.rfind("#/", 0) != 0)
                return object; // not local: compared as written
            Object::Ptr target = document;
            std::istringstream parts(ref.substr(2));
            std::string part;
            while (target && std::getline(parts, part, '/'))
                target = child(target, part);
            if (!target)
                throw std::runtime_error("unresolvable $ref '" + ref + "'");
            object = target;
        }
        return object;
    }

    // Parameters of an operation, its path item's included, keyed by "in:name".
    std::map<std::string, Object::Ptr> parameters(const Object::Ptr& document, const Object::Ptr& item,
                                                  const Object::Ptr& operation) const
    {
        std::map<std::string, Object::Ptr> byKey;
        for (const Object::Ptr& owner : {item, operation})
        {
            const Array::Ptr list = owner && owner->has("parameters") ? owner->getArray("parameters") : Array::Ptr();
            for (std::size_t i = 0; list && i < list->size(); ++i)
            {
                const Object::Ptr parameter = resolve(document, list->getObject(static_cast<unsigned>(i)));
                if (!parameter)
                    continue;
                const std::string in = parameter->optValue<std::string>("in", "");
                std::string name = parameter->optValue<std::string>("name", "");
                if (in == "header")
                    name = lower(name); // header names are case-insensitive
                byKey[in + ":" + name] = parameter;
            }
        }
        return byKey;
    }

    void compareOperation(const std::string& where, const Object::Ptr& baseItem, const Object::Ptr& before,
                          const Object::Ptr& candidateItem, const Object::Ptr& after)
    {
        compareParameters(where, parameters(base_, baseItem, before), parameters(candidate_, candidateItem, after));
        compareRequestBody(where, resolve(base_, child(before, "requestBody")),
                           resolve(candidate_, child(after, "requestBody")));
        compareResponses(where, child(before, "responses"), child(after, "responses"));
    }

    void compareParameters(const std::string& where, const std::map<std::string, Object::Ptr>& before,
                           const std::map<std::string, Object::Ptr>& after)
    {
        for (const auto& [key, parameter] : after)
        {
            const std::string label = where + ": parameter '" + key + "'";
            const bool required = parameter->optValue<bool>("required", false);
            const auto old = before.find(key);
            if (old == before.end())
            {
                if (required)
                    breaking(label + " added as required");
                else
                    note(label + " added (optional)");
                continue;
            }
            if (required && !old->second->optValue<bool>("required", false))
                breaking(label + " is now required");
            compareSchemas(label, child(old->second, "schema"), child(parameter, "schema"), Direction::Request);
        }
        for (const auto& [key, parameter] : before)
            if (!after.count(key))
                note(where + ": parameter '" + key + "' removed");
    }

    void compareRequestBody(const std::string& where, const Object::Ptr& before, const Object::Ptr& after)
    {
        if (!after)
        {
            if (before)
                note(where + ": request body removed");
            return;
        }
        const bool required = after->optValue<bool>("required", false);
        if (!before)
        {
            if (required)
                breaking(where + ": request body added as required");
            else
                note(where + ": request body added (optional)");
            return;
        }
        if (required && !before->optValue<bool>("required", false))
            breaking(where + ": request body is now required");
        const Object::Ptr beforeContent = child(before, "content");
        const Object::Ptr afterContent = child(after, "content");
        for (const auto& media : names(beforeContent))
        {
            const std::string label = where + ": request body (" + media + ")";
            if (!child(afterContent, media))
                breaking(label + " no longer accepted");
            else
                compareSchemas(label, child(child(beforeContent, media), "schema"),
                               child(child(afterContent, media), "schema"), Direction::Request);
        }
        for (const auto& media : names(afterContent))
            if (!child(beforeContent, media))
                note(where + ": request body (" + media + ") added");
    }

    void compareResponses(const std::string& where, const Object::Ptr& before, const Object::Ptr& after)
    {
        for (const auto& status : names(before))
        {
            const std::string label = where + ": response " + status;
            const Object::Ptr old = resolve(base_, child(before, status));
            const Object::Ptr now = resolve(candidate_, child(after, status));
            if (!now)
            {
                if (isSuccess(status))
                    breaking(label + " removed");
                else
                    note(label + " removed");
                continue;
            }
            const Object::Ptr oldHeaders = child(old, "headers");
            const Object::Ptr newHeaders = child(now, "headers");
            for (const auto& header : names(oldHeaders))
                if (!child(newHeaders, header))
                    breaking(label + ": header '" + header + "' removed");
                else
                    compareSchemas(label + ": header '" + header + "'",
                                   child(resolve(base_, child(oldHeaders, header)), "schema"),
                                   child(resolve(candidate_, child(newHeaders, header)), "schema"),
                                   Direction::Response);
            for (const auto& header : names(newHeaders))
                if (!child(oldHeaders, header))
                    note(label + ": header '" + header + "' added");
            const Object::Ptr oldContent = child(old, "content");
            const Object::Ptr newContent = child(now, "content");
            for (const auto& media : names(oldContent))
            {
                const std::string mediaLabel = label + " (" + media + ")";
                if (!child(newContent, media))
                    breaking(mediaLabel + " removed");
                else
                    compareSchemas(mediaLabel, child(child(oldContent, media), "schema"),
                                   child(child(newContent, media), "schema"), Direction::Response);
            }
            for (const auto& media : names(newContent))
                if (!child(oldContent, media))
                    note(label + " (" + media + ") added");
        }
        for (const auto& status : names(after))
            if (!child(before, status))
                note(where + ": response " + status + " added");
    }

    void compareSchemas(const std::string& where, Object::Ptr before, Object::Ptr after, Direction direction)
    {
        before = resolve(base_, before);
        after = resolve(candidate_, after);
        if (!before || !after)
            return;
        // A cyclic schema (a tree node holding nodes) comes back to a pair being compared.
        const auto pair = std::make_pair(before.get(), after.get());
        if (!active_.insert(pair).second)
            return;
        compareTypes(where, before, after);
        compareEnums(where, before, after, direction);
        compareProperties(where, before, after, direction);
        compareSchemas(where + "[]", child(before, "items"), child(after, "items"), direction);
        for (const char* combiner : {"allOf", "anyOf", "oneOf"})
            compareVariants(where, combiner, before, after, direction);
        active_.erase(pair);
    }

    void compareTypes(const std::string& where, const Object::Ptr& before, const Object::Ptr& after)
    {
        const auto oldTypes = nameSet(before, "type");
        const auto newTypes = nameSet(after, "type");
        if (!oldTypes.empty() && !newTypes.empty() && oldTypes != newTypes)
            breaking(where + ": type changed from " + joined(oldTypes) + " to " + joined(newTypes));
    }

    void compareEnums(const std::string& where, const Object::Ptr& before, const Object::Ptr& after,
                      Direction direction)
    {
        const bool hadEnum = before->has("enum");
        const bool hasEnum = after->has("enum");
        if (!hasEnum)
        {
            if (hadEnum)
                note(where + ": enum removed (any value allowed)");
            return;
        }
        const auto newValues = enumSet(after);
        if (!hadEnum)
        {
            if (direction == Direction::Request)
                breaking(where + ": enum narrowed to " + joined(newValues));
            else
                note(where + ": enum added: " + joined(newValues));
            return;
        }
        const auto oldValues = enumSet(before);
        std::set<std::string> removed, added;
        std::set_difference(oldValues.begin(), oldValues.end(), newValues.begin(), newValues.end(),
                            std::inserter(removed, removed.end()));
        std::set_difference(newValues.begin(), newValues.end(), oldValues.begin(), oldValues.end(),
                            std::inserter(added, added.end()));
        if (!removed.empty())
        {
            if (direction == Direction::Request)
                breaking(where + ": enum narrowed (removed " + joined(removed) + ")");
            else
                note(where + ": enum values no longer returned: " + joined(removed));
        }
        if (!added.empty())
            note(where + ": enum widened (added " + joined(added) + ")");
    }

    void compareProperties(const std::string& where, const Object::Ptr& before, const Object::Ptr& after,
                           Direction direction)
    {
        const Object::Ptr oldProperties = child(before, "properties");
        const Object::Ptr newProperties = child(after, "properties");
        const auto oldRequired = nameSet(before, "required");
        const auto newRequired = nameSet(after, "required");
        const std::string side = direction == Direction::Request ? "request" : "response";
        for (const auto& name : names(oldProperties))
        {
            const std::string label = where + ": " + side + " property '" + name + "'";
            if (!child(newProperties, name))
            {
                if (direction == Direction::Response)
                    breaking(label + " removed");
                else
                    note(label + " removed");
                continue;
            }
            compareSchemas(where + "." + name, child(oldProperties, name), child(newProperties, name), direction);
        }
        for (const auto& name : names(newProperties))
            if (!child(oldProperties, name) && !(direction == Direction::Request && newRequired.count(name)))
                note(where + ": " + side + " property '" + name + "' added");
        if (direction == Direction::Request)
            for (const auto& name : newRequired)
                if (!oldRequired.count(name))
                    breaking(where + ": request property '" + name + "'" +
                             (child(oldProperties, name) ? " is now required" : " added as required"));
    }

    void compareVariants(const std::string& where, const char* combiner, const Object::Ptr& before,
                         const Object::Ptr& after, Direction direction)
    {
        const Array::Ptr oldVariants = before->has(combiner) ? before->getArray(combiner) : Array::Ptr();
        const Array::Ptr newVariants = after->has(combiner) ? after->getArray(combiner) : Array::Ptr();
        if (!oldVariants || !newVariants)
            return;
        if (oldVariants->size() != newVariants->size())
        {
            note(where + ": " + combiner + " has " + std::to_string(newVariants->size()) + " variants instead of " +
                 std::to_string(oldVariants->size()) + " (compare them by hand)");
            return;
        }
        for (std::size_t i = 0; i < oldVariants->size(); ++i)
            compareSchemas(where + "." + combiner + "[" + std::to_string(i) + "]",
                           oldVariants->getObject(static_cast<unsigned>(i)),
                           newVariants->getObject(static_cast<unsigned>(i)), direction);
    }

    Object::Ptr base_;
    Object::Ptr candidate_;
    OpenApiDiffResult result_;
    std::set<std::pair<const Object*, const Object*>> active_;
};

Object::Ptr readDocument(const std::string& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw std::runtime_error(file + ": cannot read");
    std::ostringstream text;
    text << in.rdbuf();
    const Poco::Dynamic::Var value = parseJson(text.str(), file);
    if (value.type() != typeid(Object::Ptr))
        throw std::runtime_error(file + ": not an OpenAPI document (expected a JSON object)");
    Object::Ptr document = value.extract<Object::Ptr>();
    if (!document->has("openapi") || !child(document, "paths"))
        throw std::runtime_error(file + ": not an OpenAPI document (no 'openapi' version or no 'paths')");
    return document;
}

} // namespace

OpenApiDiffResult OpenApiDiff::compare(const Object::Ptr& base, const Object::Ptr& candidate)
{
    return Differ(base, candidate).run();
}

int OpenApiDiff::run(const std::string& baseFile, const std::string& candidateFile, std::ostream& out,
                     std::ostream& err)
{
    OpenApiDiffResult result;
    try
    {
        result = compare(readDocument(baseFile), readDocument(candidateFile));
    }
    catch (const std::exception& e)
    {
        err << "porticod --openapi-diff: " << e.what() << std::endl;
        return 2;
    }
    for (const auto& line : result.breaking)
        out << "BREAKING: " << line << "\n";
    for (const auto& line : result.notes)
        out << "note: " << line << "\n";
    out << result.breaking.size() << " breaking change(s), " << result.notes.size() << " note(s): " << baseFile
        << " -> " << candidateFile << std::endl;
    return result.breaking.empty() ? 0 : 1;
}

} // namespace portico
