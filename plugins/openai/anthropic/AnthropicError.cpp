#include "AnthropicError.h"
#include "portico/Attributes.h"
#include "portico/Json.h"

namespace portico::openai::anthropic {

AnthropicError::AnthropicError(int status, std::string type, const std::string& message)
    : std::runtime_error(message), status_(status), type_(std::move(type))
{
}

std::string AnthropicError::body() const
{
    return anthropicErrorBody(type_, what());
}

void AnthropicError::respond(Exchange& exchange) const
{
    exchange.respond(status_, body());
    if (const std::string* traceId = exchange.find(attr::TraceId))
        exchange.response().headers.set("request-id", *traceId);
}

AnthropicError AnthropicError::invalid(const std::string& field, const std::string& message)
{
    return AnthropicError(400, "invalid_request_error", field.empty() ? message : field + ": " + message);
}

AnthropicError AnthropicError::modelNotFound(const std::string& model)
{
    return AnthropicError(404, "not_found_error", "model: " + model);
}

} // namespace portico::openai::anthropic
