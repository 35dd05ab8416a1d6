#pragma once
/// A /v1/messages request refused, in Anthropic's error shape
/// {"type":"error","error":{"type":…,"message":…}}: the HTTP status, Anthropic's error type and
/// a message that names the field at fault by its dotted path ("messages.0.content: …"), as
/// Anthropic's own 400s do. Parsing and validation throw it; MessagesHandler answers it.

#include "portico/Exchange.h"
#include <stdexcept>
#include <string>

namespace portico::openai::anthropic {

class AnthropicError : public std::runtime_error
{
public:
    /// `type`: Anthropic's error type ("invalid_request_error", "not_found_error", ...).
    AnthropicError(int status, std::string type, const std::string& message);

    int status() const { return status_; }
    const std::string& type() const { return type_; }

    /// The error's JSON body.
    std::string body() const;
    /// Answers `exchange` with it (and `request-id`, the trace id, when tracing set one).
    void respond(Exchange& exchange) const;

    /// 400 invalid_request_error: "<field>: <message>" (just the message when `field` is empty).
    static AnthropicError invalid(const std::string& field, const std::string& message);
    /// 404 not_found_error for an unknown model.
    static AnthropicError modelNotFound(const std::string& model);

private:
    int status_;
    std::string type_;
};

} // namespace portico::openai::anthropic
