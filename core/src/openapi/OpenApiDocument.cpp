#include "openapi/OpenApiDocument.h"
#include "portico/Json.h"
#include "http/Chain.h"
#include "openapi/CanonicalJson.h"
#include "openapi/CoreApi.h"
#include "portico/Version.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

namespace portico {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Fragment = ApiDescription::Fragment;

struct Operation
{
    std::string method;
    std::string pattern;
    Object::Ptr object;
};

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

/// Parses a fragment that must be a JSON object; the error names who wrote it.
Object::Ptr parseObject(const Fragment& fragment)
{
    const std::string what = fragment.owner + ": " + fragment.kind + " '" + fragment.name +
                             (fragment.kind == "operation" ? " " + fragment.pattern : "") + "'";
    const Poco::Dynamic::Var value = parseJson(fragment.json, what);
    if (value.type() != typeid(Object::Ptr))
        throw std::runtime_error(what + ": expected a JSON object");
    return value.extract<Object::Ptr>();
}

Object::Ptr objectAt(Object& parent, const std::string& key)
{
    if (!parent.has(key))
        parent.set(key, Object::Ptr(new Object));
    Object::Ptr child = parent.getObject(key);
    if (!child)
        throw std::runtime_error("'" + key + "' must be a JSON object");
    return child;
}

Array::Ptr arrayAt(Object& parent, const std::string& key)
{
    if (!parent.has(key))
        parent.set(key, Array::Ptr(new Array));
    Array::Ptr child = parent.getArray(key);
    if (!child)
        throw std::runtime_error("'" + key + "' must be a JSON array");
    return child;
}

/// "{id}" segments of a route pattern, in order.
std::vector<std::string> pathParameters(const std::string& pattern)
{
    std::vector<std::string> names;
    std::size_t open = pattern.find('{');
    while (open != std::string::npos)
    {
        const std::size_t close = pattern.find('}', open);
        if (close == std::string::npos)
            break;
        names.push_back(pattern.substr(open + 1, close - open - 1));
        open = pattern.find('{', close);
    }
    return names;
}

bool hasParameter(const Array& parameters, const std::string& name, const std::string& in)
{
    for (std::size_t i = 0; i < parameters.size(); ++i)
    {
        const Object::Ptr parameter = parameters.getObject(static_cast<unsigned>(i));
        if (parameter && parameter->optValue<std::string>("in", "") == in &&
            lower(parameter->optValue<std::string>("name", "")) == lower(name))
            return true;
    }
    return false;
}

/// Declares the pattern's path parameters the operation leaves out (a plain string segment).
void addPathParameters(Operation& operation)
{
    const auto names = pathParameters(operation.pattern);
    if (names.empty())
        return;
    Array::Ptr parameters = arrayAt(*operation.object, "parameters");
    for (const auto& name : names)
        if (!hasParameter(*parameters, name, "path"))
        {
            Object::Ptr parameter(new Object);
            parameter->set("name", name);
            parameter->set("in", "path");
            parameter->set("required", true);
            Object::Ptr schema(new Object);
            schema->set("type", "string");
            parameter->set("schema", schema);
            parameters->add(parameter);
        }
}

/// "*", "2XX" or "429" against a response key ("200", "4XX", "default").
bool statusSelected(const std::string& selector, const std::string& status)
{
    if (selector == "*")
        return true;
    if (selector.size() == 3 && selector.compare(1, 2, "XX") == 0)
        return !status.empty() && status[0] == selector[0];
    return selector == status;
}

bool isErrorStatus(const std::string& status)
{
    return !status.empty() && (status[0] == '4' || status[0] == '5');
}

void checkSelector(const Fragment& fragment)
{
    const std::string& s = fragment.pattern;
    const bool classSelector = s.size() == 3 && (s[0] >= '1' && s[0] <= '5') && s.compare(1, 2, "XX") == 0;
    const bool status = s.size() == 3 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
    if (s != "*" && !classSelector && !status)
        throw std::runtime_error(fragment.owner + ": response header '" + fragment.name + "': statuses '" + s +
                                 "' is not \"*\", a class like \"4XX\" or a status like \"429\"");
}

/// The error content of an operation on `pattern`: Anthropic's shape on its Messages API paths.
Object::Ptr errorContent(const std::string& pattern)
{
    Object::Ptr schema(new Object);
    schema->set("$ref", std::string("#/components/schemas/") +
                            (isAnthropicApiPath(pattern) ? AnthropicErrorSchemaName : ErrorSchemaName));
    Object::Ptr media(new Object);
    media->set("schema", schema);
    Object::Ptr content(new Object);
    content->set("application/json", media);
    return content;
}

class Assembler
{
public:
    explicit Assembler(const Chain& chain) : chain_(chain) {}

    std::string run()
    {
        describe();
        Object::Ptr document(new Object);
        document->set("openapi", "3.1.0");
        document->set("info", info());
        document->set("x-portico-chain", chainListing());
        paths_ = Object::Ptr(new Object);
        components_ = Object::Ptr(new Object);
        ownedEntries();
        undescribedRoutes();
        adminServers();
        applyRules();
        document->set("paths", paths_);
        document->set("components", components_);
        return canonicalJson(document);
    }

private:
    void describe()
    {
        describeCoreApi(description_);
        for (const auto& link : chain_.links())
        {
            // Every loaded library is of the host's major (2), whose vtable has describeApi from
            // 2.0 on; the 1.0/1.1 distinction went with major 1.
            description_.setOwner(link.name);
            try
            {
                link.plugin->describeApi(description_);
            }
            catch (const std::exception& e)
            {
                throw std::runtime_error("plugin " + link.name + ": describeApi failed: " + e.what());
            }
        }
    }

    Object::Ptr info() const
    {
        Object::Ptr info(new Object);
        info->set("title", "Portico");
        info->set("version", PORTICO_VERSION);
        info->set("summary", "An OpenAI-compatible API gateway.");
        info->set("description",
                  "Generated by porticod from the loaded plugin chain (x-portico-chain): it describes exactly the "
                  "routes, headers and answers of this configuration.");
        return info;
    }

    Array::Ptr chainListing() const
    {
        Array::Ptr links(new Array);
        for (const auto& link : chain_.links())
        {
            Object::Ptr entry(new Object);
            entry->set("name", link.name);
            entry->set("version", link.version);
            links->add(entry);
        }
        return links;
    }

    void ownedEntries()
    {
        std::set<std::pair<std::string, std::string>> registered;
        for (const RouteTable* table : {&chain_.routes(), &chain_.adminRoutes()})
            for (const auto& route : table->routes())
                registered.insert({route.method, documentedPattern(route.pattern)});
        for (const auto& fragment : description_.fragments())
        {
            if (fragment.kind == "schema")
                put(*objectAt(*components_, "schemas"), fragment);
            else if (fragment.kind == "securityScheme")
                put(*objectAt(*components_, "securitySchemes"), fragment);
            else if (fragment.kind == "operation" && registered.count({fragment.name, fragment.pattern}))
                addOperation(fragment, parseObject(fragment));
        }
    }

    void put(Object& into, const Fragment& fragment)
    {
        Object::Ptr value = parseObject(fragment);
        if (into.has(fragment.name))
        {
            // The same definition twice (two instances of a rule) is fine; two different ones are not.
            if (canonicalJson(into.get(fragment.name)) != canonicalJson(value))
                throw std::runtime_error(fragment.owner + ": " + fragment.kind + " '" + fragment.name +
                                         "' is already defined differently");
            return;
        }
        into.set(fragment.name, value);
    }

    void addOperation(const Fragment& fragment, Object::Ptr object)
    {
        Object::Ptr item = objectAt(*paths_, fragment.pattern);
        const std::string method = lower(fragment.name);
        if (item->has(method))
            throw std::runtime_error(fragment.owner + ": operation " + fragment.name + " " + fragment.pattern +
                                     " is already described");
        if (!object->has("responses") || !object->getObject("responses"))
            throw std::runtime_error(fragment.owner + ": operation " + fragment.name + " " + fragment.pattern +
                                     " has no responses object");
        item->set(method, object);
        operations_.push_back({fragment.name, fragment.pattern, object});
        addPathParameters(operations_.back());
    }

    void undescribedRoutes()
    {
        std::vector<const Route*> routes;
        for (const RouteTable* table : {&chain_.routes(), &chain_.adminRoutes()})
            for (const auto& route : table->routes())
                routes.push_back(&route);
        for (const Route* routePointer : routes)
        {
            const Route& route = *routePointer;
            const std::string pattern = documentedPattern(route.pattern);
            Object::Ptr item = objectAt(*paths_, pattern);
            if (item->has(lower(route.method)))
                continue;
            Fragment fragment{"core", "operation", route.method, pattern, R"({
                "summary": "A route no plugin of the chain describes.",
                "x-portico-undescribed": true,
                "responses": {"default": {"description": "Not described."}}
            })", nullptr};
            addOperation(fragment, parseObject(fragment));
        }
    }

    /// The admin listener's routes are served on another socket ([admin] listen): their path
    /// items name that server, so that a client of the document does not try them here.
    void adminServers()
    {
        for (const auto& route : chain_.adminRoutes().routes())
        {
            Object::Ptr item = objectAt(*paths_, documentedPattern(route.pattern));
            if (item->has("servers"))
                continue;
            item->set("servers", parseJson(R"([{
                "url": "http://{admin_listen}",
                "description": "The admin listener ([admin] listen); these routes are not served on server.listen.",
                "variables": {"admin_listen": {"default": "127.0.0.1:8001", "description": "[admin] listen"}}
            }])", "the admin listener's servers"));
        }
    }

    void applyRules()
    {
        const auto& fragments = description_.fragments();
        // Responses first, so that the headers below reach the answers the rules add (a 429
        // carries X-Trace-Id too).
        for (const auto& fragment : fragments)
            if (fragment.kind == "response")
                for (auto& operation : selected(fragment))
                {
                    Object::Ptr responses = operation.object->getObject("responses");
                    if (!responses->has(fragment.name))
                        responses->set(fragment.name, parseObject(fragment));
                }
        for (auto& operation : operations_)
        {
            Object::Ptr responses = operation.object->getObject("responses");
            std::vector<std::string> statuses;
            responses->getNames(statuses);
            for (const auto& status : statuses)
            {
                Object::Ptr response = responses->getObject(status);
                if (response && isErrorStatus(status) && !response->has("content"))
                    response->set("content", errorContent(operation.pattern));
            }
        }
        for (const auto& fragment : fragments)
        {
            if (fragment.kind == "responseHeader")
                addResponseHeader(fragment);
            else if (fragment.kind == "requestHeader")
                addRequestHeader(fragment);
            else if (fragment.kind == "securityScheme")
                for (auto& operation : selected(fragment))
                {
                    Object::Ptr requirement(new Object);
                    requirement->set(fragment.name, Array::Ptr(new Array));
                    arrayAt(*operation.object, "security")->add(requirement);
                }
        }
    }

    void addResponseHeader(const Fragment& fragment)
    {
        checkSelector(fragment);
        for (auto& operation : selected(fragment))
        {
            Object::Ptr responses = operation.object->getObject("responses");
            std::vector<std::string> statuses;
            responses->getNames(statuses);
            for (const auto& status : statuses)
            {
                Object::Ptr response = responses->getObject(status);
                if (response && statusSelected(fragment.pattern, status))
                {
                    Object::Ptr headers = objectAt(*response, "headers");
                    if (!headers->has(fragment.name))
                        headers->set(fragment.name, parseObject(fragment));
                }
            }
        }
    }

    void addRequestHeader(const Fragment& fragment)
    {
        for (auto& operation : selected(fragment))
        {
            Array::Ptr parameters = arrayAt(*operation.object, "parameters");
            if (hasParameter(*parameters, fragment.name, "header"))
                continue;
            Object::Ptr parameter = parseObject(fragment);
            parameter->set("name", fragment.name);
            parameter->set("in", "header");
            parameters->add(parameter);
        }
    }

    std::vector<Operation> selected(const Fragment& fragment) const
    {
        std::vector<Operation> chosen;
        for (const auto& operation : operations_)
            if (fragment.routes && fragment.routes(operation.method, operation.pattern))
                chosen.push_back(operation);
        return chosen;
    }

    const Chain& chain_;
    ApiDescription description_;
    Object::Ptr paths_;
    Object::Ptr components_;
    std::vector<Operation> operations_;
};

} // namespace

std::string OpenApiDocument::build(const Chain& chain)
{
    return Assembler(chain).run();
}

} // namespace portico
