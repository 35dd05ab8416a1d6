#pragma once
/// A route a plugin registers: method, path pattern, handler, and whether the handler may block.

#include "portico/Api.h"
#include <functional>
#include <string>

namespace portico {

class Exchange;

using RouteHandler = std::function<void(Exchange&)>;

/// Whether code may wait on I/O (see Plugin::blocking()).
enum class Blocking
{
    Never, ///< never waits: may run on the event loop
    May    ///< may wait: runs on a worker thread
};

/// Which listening socket a route is served on. The admin listener (`[admin] listen`) is a
/// separate socket, normally bound to a private address, for the operators' API (keys, spend):
/// its routes are never reachable on the public listener, and the public routes never on it.
enum class Listener
{
    Api,  ///< server.listen (and server.plain_listen)
    Admin ///< [admin] listen; unset: admin routes are not served
};

/// The pattern an OpenAPI document shows for `pattern`: a prefix's "/**" becomes "/{path}".
inline std::string documentedPattern(const std::string& pattern)
{
    const std::string suffix = "/**";
    if (pattern.size() >= suffix.size() && pattern.compare(pattern.size() - suffix.size(), suffix.size(), suffix) == 0)
        return pattern.substr(0, pattern.size() - suffix.size()) + "/{path}";
    return pattern;
}

struct Route
{
    /// "GET", "POST", ... A GET route also answers HEAD.
    std::string method;
    /// "/v1/models" or "/v1/models/{id}": literal segments and `{name}` segments matching one
    /// non-empty segment, available as Exchange::pathParam(name). A pattern ending in "/**" is
    /// a prefix: "/v1/dreams/**" matches "/v1/dreams" and every path below it ("/**": every
    /// path). Literal and `{name}` routes are matched first, then prefixes, the longest first.
    std::string pattern;
    RouteHandler handler;
    /// Blocking::Never when the handler only computes, or hands its waiting to a DeferredAnswer
    /// (Deferred.h): the core may then run it on the event loop. A handler that sleeps, reads a
    /// file or calls Redis keeps the default.
    Blocking blocking = Blocking::May;
    /// The handler takes the request body as it arrives (Exchange::bodyStream(), BodyStream.h)
    /// instead of read whole first: for bodies relayed as they are (pass-through routes), of
    /// any size. The request hooks then run before the body is read, and Exchange::body() is
    /// empty. The handler must answer through a DeferredAnswer, which reads the stream on the
    /// loop.
    bool streamedBody = false;
    /// The listener this route is served on (the admin routes say Listener::Admin).
    Listener listener = Listener::Api;
};

} // namespace portico
