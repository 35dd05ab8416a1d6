#include "portico/ApiDescription.h"

namespace portico {

ApiDescription::RouteFilter ApiDescription::everyRoute()
{
    return [](const std::string&, const std::string&) { return true; };
}

void ApiDescription::add(std::string kind, std::string name, std::string pattern, std::string json,
                         RouteFilter routes)
{
    fragments_.push_back({owner_, std::move(kind), std::move(name), std::move(pattern), std::move(json),
                          std::move(routes)});
}

void ApiDescription::addOperation(const std::string& method, const std::string& pattern,
                                  const std::string& operationJson)
{
    add("operation", method, pattern, operationJson, nullptr);
}

void ApiDescription::addSchema(const std::string& name, const std::string& schemaJson)
{
    add("schema", name, {}, schemaJson, nullptr);
}

void ApiDescription::addSecurityScheme(const std::string& name, const std::string& schemeJson, RouteFilter routes)
{
    add("securityScheme", name, {}, schemeJson, std::move(routes));
}

void ApiDescription::addResponseHeader(const std::string& name, const std::string& headerJson,
                                       const std::string& statuses, RouteFilter routes)
{
    add("responseHeader", name, statuses, headerJson, std::move(routes));
}

void ApiDescription::addRequestHeader(const std::string& name, const std::string& parameterJson, RouteFilter routes)
{
    add("requestHeader", name, {}, parameterJson, std::move(routes));
}

void ApiDescription::addResponse(const std::string& status, const std::string& responseJson, RouteFilter routes)
{
    add("response", status, {}, responseJson, std::move(routes));
}

} // namespace portico
