#pragma once
// Helpers for the ratelimit integration suites: many requests released at once, trace ids.

#include "HttpClient.h"
#include <functional>
#include <vector>

namespace portico::ratelimit::test {

/// Runs `count` requests on `count` threads released together; each calls `send(i)`. A
/// request that throws (connection failure) yields status 0.
std::vector<portico::test::HttpResult> simultaneously(int count,
                                                      const std::function<portico::test::HttpResult(int)>& send);

/// True for 32 lowercase hex digits (an X-Trace-Id).
bool isTraceId(const std::string& value);

} // namespace portico::ratelimit::test
