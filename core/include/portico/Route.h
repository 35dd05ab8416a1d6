#pragma once
/// A route a plugin registers: method, path pattern, handler.

#include "portico/Exchange.h"
#include <functional>
#include <string>

namespace portico {

using RouteHandler = std::function<void(Exchange&)>;

struct Route
{
    /// "GET", "POST", ... A GET route also answers HEAD.
    std::string method;
    /// "/v1/models" or "/v1/models/{id}": literal segments and `{name}` segments matching one
    /// non-empty segment, available as Exchange::pathParam(name).
    std::string pattern;
    RouteHandler handler;
};

} // namespace portico
