#pragma once
/// A request the openai plugin refuses: the HTTP status and the fields of OpenAI's error shape.
/// Parsing and validation throw it; the route dispatcher turns it into the answer.

#include "portico/Exchange.h"
#include <stdexcept>
#include <string>

namespace portico::openai {

class RequestError : public std::runtime_error
{
public:
    RequestError(int status, const std::string& message, std::string param, std::string code);

    int status() const { return status_; }
    /// The request field at fault ("input", "messages[2].content"), empty when none.
    const std::string& param() const { return param_; }
    /// OpenAI's machine-readable code ("invalid_type", "model_not_found"), empty when none.
    const std::string& code() const { return code_; }

    /// Answers `exchange` with this error in OpenAI's shape.
    void respond(Exchange& exchange) const;

    /// 400 invalid_request_error about `param`.
    static RequestError invalid(const std::string& param, const std::string& message,
                                const std::string& code = "invalid_value");
    /// 404 model_not_found for `model`.
    static RequestError modelNotFound(const std::string& model);

private:
    int status_;
    std::string param_;
    std::string code_;
};

} // namespace portico::openai
