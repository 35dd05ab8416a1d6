#pragma once
// Shared by the idempotency integration tests: the porticod config they run (tracing, the
// idempotency_probe fixture, idempotency) and small helpers over HTTP.

#include "HttpClient.h"
#include <map>
#include <string>

namespace portico::idempotency::test {

/// A config for the installed porticod: `idempotencyKeys` are extra lines for [idempotency]
/// (routes already name the probe's routes). `order` is the plugins.order.
std::string porticoConfig(const std::string& idempotencyKeys = "",
                          const std::string& order = "tracing, idempotency_probe, idempotency");

/// The probe's execution counter (GET /probe/count).
int executions(unsigned short port);

/// POST `path` with `body` and the Idempotency-Key `key` (plus `headers`); returns once the
/// idempotency store has settled it (httpRequestSettled).
portico::test::HttpResult postWithKey(unsigned short port, const std::string& path, const std::string& body,
                                      const std::string& key, std::map<std::string, std::string> headers = {});

/// A key no other test run uses.
std::string freshKey(const std::string& prefix);

} // namespace portico::idempotency::test
