#include "http/CoreRoutes.h"
#include "http/Chain.h"
#include "http/ServerState.h"
#include "openapi/OpenApiDocument.h"
#include "portico/Exchange.h"
#include "portico/Json.h"
#include <memory>
#include <mutex>

namespace portico {

namespace {

/// The chain's document, built once: the chain is immutable, so is its description.
struct CachedDocument
{
    std::once_flag once;
    std::string text;
    std::string error;
};

} // namespace

void registerCoreRoutes(Chain& chain, bool serveOpenApi, const ServerState* server)
{
    chain.routes().add({"GET", "/healthz", [](Exchange& exchange) { exchange.respond(200, "{\"status\":\"ok\"}"); },
                        Blocking::Never},
                       "core");
    // The chain owns its route table, so the raw pointer lives as long as the route.
    const Chain* self = &chain;
    chain.routes().add({"GET", "/readyz",
                        [self, server](Exchange& exchange) {
                            if (server && server->draining())
                                return exchange.respondError(503, "Not ready: the server is shutting down",
                                                             "server_error", "not_ready");
                            const std::string why = self->notReady();
                            if (why.empty())
                                exchange.respond(200, "{\"status\":\"ready\"}");
                            else
                                exchange.respondError(503, "Not ready: " + why, "server_error", "not_ready");
                        },
                        // A readiness check that may wait (a Redis PING) belongs to a plugin
                        // that says Blocking::May, and then the whole chain runs on workers.
                        Blocking::Never},
                       "core");
    if (!serveOpenApi)
        return;
    auto cached = std::make_shared<CachedDocument>();
    chain.routes().add({"GET", "/openapi.json",
                        [self, cached](Exchange& exchange) {
                            std::call_once(cached->once, [&] {
                                try
                                {
                                    cached->text = OpenApiDocument::build(*self);
                                }
                                catch (const std::exception& e)
                                {
                                    cached->error = e.what();
                                }
                            });
                            if (!cached->error.empty())
                                exchange.respondError(500, "The OpenAPI document cannot be built: " + cached->error,
                                                      "server_error", "openapi_unavailable");
                            else
                                exchange.respond(200, cached->text);
                        },
                        Blocking::Never},
                       "core");
}

} // namespace portico
