#pragma once
/// The OpenAPI description of POST /v1/messages and POST /v1/messages/count_tokens (the request
/// fields MessagesRequest accepts, additionalProperties false; the Message; the error answers,
/// whose content the core documents as its AnthropicError schema on these paths).

#include "portico/ApiDescription.h"

namespace portico::openai::anthropic {

void describeMessagesApi(ApiDescription& api);

} // namespace portico::openai::anthropic
