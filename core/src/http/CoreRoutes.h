#pragma once
// The routes the core serves itself: GET /healthz and GET /readyz.

namespace portico {

class Chain;

/// /healthz: 200 {"status":"ok"} while the process serves.
/// /readyz: 200 {"status":"ready"}, or 503 naming the first plugin that is not ready.
void registerCoreRoutes(Chain& chain);

} // namespace portico
