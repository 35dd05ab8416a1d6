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

/// True for the paths of Anthropic's Messages API: "/v1/messages" and every path below it. Every
/// error answered there (Exchange::respondError: the core's 404/405/413/500, a plugin's 401 or
/// 429) takes Anthropic's shape, which is what the Anthropic SDKs parse.
PORTICO_API bool isAnthropicApiPath(std::string_view path);

/// {"type":"error","error":{"type":…,"message":…}}: Anthropic's error shape.
PORTICO_API std::string anthropicErrorBody(const std::string& type, const std::string& message);

/// The Anthropic error "type" that goes with an HTTP status (400 invalid_request_error, 401
/// authentication_error, 403 permission_error, 404 not_found_error, 413 request_too_large,
/// 429 rate_limit_error, 503 and 529 overloaded_error, other 5xx api_error).
PORTICO_API const char* anthropicErrorType(int status);

} // namespace portico
