#pragma once
// The routes the core serves itself: GET /healthz, GET /readyz and GET /openapi.json.

namespace portico {

class Chain;

/// /healthz: 200 {"status":"ok"} while the process serves.
/// /readyz: 200 {"status":"ready"}, or 503 naming the first plugin that is not ready.
/// /openapi.json (when `serveOpenApi`, server.openapi): the OpenAPI document of this chain,
/// assembled on the first request (once every plugin of the chain is there) and kept.
void registerCoreRoutes(Chain& chain, bool serveOpenApi);

} // namespace portico
