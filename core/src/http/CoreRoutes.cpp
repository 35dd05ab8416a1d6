#include "http/CoreRoutes.h"
#include "http/Chain.h"
#include "portico/Json.h"

namespace portico {

void registerCoreRoutes(Chain& chain)
{
    chain.routes().add({"GET", "/healthz", [](Exchange& exchange) { exchange.respond(200, "{\"status\":\"ok\"}"); }},
                       "core");
    // The chain owns its route table, so the raw pointer lives as long as the route.
    const Chain* self = &chain;
    chain.routes().add({"GET", "/readyz",
                        [self](Exchange& exchange) {
                            const std::string why = self->notReady();
                            if (why.empty())
                                exchange.respond(200, "{\"status\":\"ready\"}");
                            else
                                exchange.respondError(503, "Not ready: " + why, "server_error", "not_ready");
                        }},
                       "core");
}

} // namespace portico
