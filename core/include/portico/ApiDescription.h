#pragma once
/// What a plugin tells the core about the HTTP API it adds, for the OpenAPI 3.1 document that
/// the core assembles from the loaded chain (`porticod --openapi`, GET /openapi.json).
///
/// Plugins fill it in Plugin::describeApi(). Every fragment is OpenAPI 3.1 JSON text (a raw
/// string literal is the natural way to write one); the core parses it when it assembles the
/// document and refuses a fragment that is not valid JSON with an error naming the plugin.
///
/// Two kinds of entries:
///  - what a plugin owns: operations for the routes it registers, component schemas, security
///    schemes;
///  - rules that decorate other plugins' operations: a header on every answer (X-Trace-Id), a
///    response some routes may get (401, 429), a request header some routes take
///    (Idempotency-Key). A rule selects operations with a RouteFilter; the core applies the
///    rules once every plugin has described itself, so a rule sees every route of the chain.
///
/// Answers with a status of 400 or more get the error schema
/// ({"error":{"message","type","param","code"}}) from the core unless the fragment gives content.

#include "portico/Api.h"
#include <functional>
#include <string>
#include <vector>

namespace portico {

class PORTICO_API ApiDescription
{
public:
    /// Selects operations by method ("GET", "POST", ...) and route pattern ("/v1/models/{id}").
    using RouteFilter = std::function<bool(const std::string& method, const std::string& pattern)>;

    /// A filter that selects every operation.
    static RouteFilter everyRoute();

    /// Describes one route this plugin registers. `operationJson` is an OpenAPI Operation Object
    /// (summary, operationId, requestBody, responses, ...). Path parameters of `pattern` are
    /// declared by the core when the fragment leaves them out. An operation for a route that is
    /// not registered in the running chain is left out of the document.
    void addOperation(const std::string& method, const std::string& pattern, const std::string& operationJson);

    /// A reusable schema, referenced as {"$ref":"#/components/schemas/<name>"}.
    void addSchema(const std::string& name, const std::string& schemaJson);

    /// A security scheme (components.securitySchemes.<name>, e.g. {"type":"http","scheme":"bearer"})
    /// required by the selected operations.
    void addSecurityScheme(const std::string& name, const std::string& schemeJson, RouteFilter routes);

    /// A header on the selected operations' answers. `statuses` picks which: "*" (every answer),
    /// a class ("2XX", "4XX", "5XX") or one status ("429"). `headerJson` is an OpenAPI Header
    /// Object ({"description":...,"schema":{...}}).
    void addResponseHeader(const std::string& name, const std::string& headerJson, const std::string& statuses,
                           RouteFilter routes = everyRoute());

    /// A request header the selected operations take. `parameterJson` is an OpenAPI Parameter
    /// Object without "name" and "in" (the core sets them).
    void addRequestHeader(const std::string& name, const std::string& parameterJson, RouteFilter routes);

    /// An answer the selected operations may give (`status` such as "401" or "429"), an OpenAPI
    /// Response Object. An operation that already documents the status keeps its own.
    void addResponse(const std::string& status, const std::string& responseJson, RouteFilter routes);

    // ---- Read by the core's assembler. ----

    struct Fragment
    {
        std::string owner;  ///< "core" or the plugin's name, for errors
        std::string kind;   ///< "operation", "schema", "securityScheme", "responseHeader", "requestHeader", "response"
        std::string name;   ///< operation: the method; schema/scheme/header: its name; response: its status
        std::string pattern; ///< operation: the route pattern; responseHeader: the statuses
        std::string json;
        RouteFilter routes; ///< rules only
    };

    /// Entries from now on are attributed to `owner` (the assembler sets it before each plugin).
    void setOwner(const std::string& owner) { owner_ = owner; }
    const std::vector<Fragment>& fragments() const { return fragments_; }

private:
    void add(std::string kind, std::string name, std::string pattern, std::string json, RouteFilter routes);

    std::string owner_ = "core";
    std::vector<Fragment> fragments_;
};

} // namespace portico
