#pragma once
// The core's part of the OpenAPI document: its own routes (/healthz, /readyz, /openapi.json),
// the error schema every error answer uses, and the answers the core itself may give on any
// route (500 when a hook or handler throws, 413 when a body is over server.max_body_bytes).

#include "portico/ApiDescription.h"

namespace portico {

/// The name of the error schema in components.schemas.
inline constexpr const char* ErrorSchemaName = "Error";
/// The error schema of Anthropic's Messages API paths (portico/Json.h isAnthropicApiPath).
inline constexpr const char* AnthropicErrorSchemaName = "AnthropicError";

void describeCoreApi(ApiDescription& description);

} // namespace portico
