#include "RequestError.h"
#include "portico/Json.h"

namespace portico::openai {

RequestError::RequestError(int status, const std::string& message, std::string param, std::string code)
    : std::runtime_error(message), status_(status), param_(std::move(param)), code_(std::move(code))
{
}

void RequestError::respond(Exchange& exchange) const
{
    exchange.respondError(status_, what(), errorTypeForStatus(status_), code_, param_);
}

RequestError RequestError::invalid(const std::string& param, const std::string& message, const std::string& code)
{
    return RequestError(400, message, param, code);
}

RequestError RequestError::modelNotFound(const std::string& model)
{
    return RequestError(404, "The model '" + model + "' does not exist or you do not have access to it.", "model",
                        "model_not_found");
}

} // namespace portico::openai
