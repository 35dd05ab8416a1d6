#pragma once
/// Object ids in OpenAI's style: a type prefix and 48 random lowercase hex digits
/// ("resp_…", "msg_…", "chatcmpl-…"), and the current Unix time for `created` fields.

#include <cstdint>
#include <string>

namespace portico::openai {

/// `prefix` followed by 48 random hex digits.
std::string newObjectId(const char* prefix);
/// Seconds since the Unix epoch.
std::int64_t unixNow();

} // namespace portico::openai
