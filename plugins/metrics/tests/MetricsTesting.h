#pragma once
// Test helpers for anything that reads a Prometheus exposition: `promtool check metrics` and
// sample lookup. Also used by the ratelimit plugin's integration tests.

#include <functional>
#include <string>

namespace portico::metrics::test {

/// Runs `promtool check metrics` on `exposition`. Returns false, with promtool's words in
/// `output`, when it reports any problem (lint included). Sets `missing` (and returns true)
/// when promtool is not installed (Debian package `prometheus`).
bool promtoolAccepts(const std::string& exposition, std::string& output, bool& missing);

/// The value of the sample whose line starts with `series` (name and labels exactly as
/// exposed, e.g. `portico_http_in_flight` or `x_total{a="b"}`), or -1 when there is none.
double sampleValue(const std::string& exposition, const std::string& series);

/// Scrapes (`scrape` returns an exposition) until `series` has the value `expected`, for up to
/// two seconds, and returns the last value seen. Completion hooks, and so the HTTP counters,
/// run just after an answer has been sent: a client that scrapes at once may be a moment early.
double awaitSample(const std::function<std::string()>& scrape, const std::string& series, double expected);

/// The message to print when promtool is missing (the check must run in CI).
inline constexpr const char* PromtoolMissing =
    "SKIPPED promtool check: promtool not found (apt-get install prometheus; scripts/dev.sh deps does)";

} // namespace portico::metrics::test
