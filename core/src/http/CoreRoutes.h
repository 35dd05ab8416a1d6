#pragma once
// The routes the core serves itself: GET /healthz, GET /readyz and GET /openapi.json.

namespace portico {

class Chain;
class ServerState;

/// /healthz: 200 {"status":"ok"} while the process serves.
/// /readyz: 200 {"status":"ready"}, or 503 naming the first plugin that is not ready, or 503
/// while the server drains (`server`, when given, says so) so that a load balancer stops
/// sending before the connections close.
/// /openapi.json (when `serveOpenApi`, server.openapi): the OpenAPI document of this chain,
/// assembled on the first request (once every plugin of the chain is there) and kept.
void registerCoreRoutes(Chain& chain, bool serveOpenApi, const ServerState* server = nullptr);

} // namespace portico
