#pragma once
// The access log: one JSON line per request, written when the request is over.
//
//   {"time":"2026-01-02T03:04:05.678Z","trace_id":"…","principal":"alice","method":"POST",
//    "path":"/v1/chat/completions","status":200,"bytes_out":512,"duration_ms":12.345,
//    "upstream_ms":10.2,"model":"gpt-4o","client":"127.0.0.1:51234","outcome":"completed"}
//
// Absent facts are null (no tracing plugin: trace_id; no auth or exempt path: principal; not
// proxied: upstream_ms). The path never carries the query. Lines go to the logger
// "portico.access", whose channel is installed before the plugin chain starts so that the
// redaction plugin wraps it like every other channel; [log] settings pick what is behind it
// (stderr, a rotated file, or nothing). server.log_level does not silence it: log.access does.

#include "config/ServerSettings.h"
#include "portico/Exchange.h"
#include "portico/Plugin.h"
#include "Poco/Timestamp.h"
#include <chrono>
#include <cstdint>
#include <string>

namespace portico {

class AccessLog
{
public:
    static constexpr const char* LoggerName = "portico.access";

    /// Attaches the access log's channel to the logger "portico.access" (writing to stderr until
    /// configure() says otherwise). Call once, before the first plugin chain starts.
    static void install();

    /// Applies the [log] settings. The new destination is opened before it replaces the old
    /// one: when it cannot be opened this throws ConfigError naming log.access_file and the
    /// previous destination stays in use.
    static void configure(const AccessLogSettings& settings);

    /// What configure() would refuse, checked without creating or opening anything (for
    /// --check-config, which may run as another user than the service). Throws ConfigError.
    static void check(const AccessLogSettings& settings);

    /// Writes the line for a finished exchange (nothing when log.access = off).
    static void record(const Exchange& exchange, Outcome outcome);

    /// Writes the line for a request that ended before an Exchange was built (its body could
    /// not be read). `target` may carry a query; it is dropped.
    static void recordUnread(const std::string& method, const std::string& target, const std::string& client,
                             int status, std::uint64_t bytesOut, std::chrono::steady_clock::time_point startedAt);

    /// The JSON line (no newline) for `exchange`, stamped `now`.
    static std::string format(const Exchange& exchange, Outcome outcome, const Poco::Timestamp& now);
};

} // namespace portico
