#pragma once
// The Date header's value (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") without
// locale-dependent formatting, cached per thread for the current second: the value changes once
// a second while a busy connection answers thousands of requests in it.

#include <ctime>
#include <string>

namespace portico {

/// Appends `seconds` (Unix time, UTC) as an IMF-fixdate.
void appendHttpDate(std::string& out, std::time_t seconds);

/// The current time as an IMF-fixdate, formatted at most once per second per thread. The
/// reference stays valid on this thread until the next call.
const std::string& httpDateNow();

} // namespace portico
