#pragma once
/// Small JSON helpers for the hot path, where building a Poco::JSON::Object would be waste.

#include "portico/Api.h"
#include <string>
#include <string_view>

namespace portico {

/// `text` as a JSON string literal, quotes included; control characters escaped; invalid UTF-8
/// bytes replaced by U+FFFD so the output is always valid JSON.
PORTICO_API std::string jsonString(std::string_view text);

/// {"error":{"message":…,"type":…,"param":…,"code":…}}; empty param or code become null.
PORTICO_API std::string openAiErrorBody(const std::string& message, const std::string& type,
                            const std::string& code, const std::string& param = {});

/// The OpenAI error "type" that goes with an HTTP status ("invalid_request_error", ...).
PORTICO_API const char* errorTypeForStatus(int status);

} // namespace portico
