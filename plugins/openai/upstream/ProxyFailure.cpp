#include "ProxyFailure.h"
#include "portico/Json.h"

namespace portico::openai {

namespace {

/// "upstream 'default' (http://127.0.0.1:9000/v1)": how every message names the upstream.
std::string where(const UpstreamConfig& upstream)
{
    return "upstream '" + upstream.name + "' (" + upstream.url + ")";
}

/// The core's message, naming the upstream as ours do (it should already).
std::string named(const UpstreamConfig& upstream, const std::string& message)
{
    const std::string name = where(upstream);
    return message.find(name) != std::string::npos ? message : name + ": " + message;
}

/// What the core's message says beyond naming the upstream, without the final period: the
/// middle part of a message of our own.
std::string detail(const UpstreamConfig& upstream, std::string message)
{
    const std::string name = where(upstream);
    if (message.compare(0, name.size(), name) == 0)
    {
        message.erase(0, name.size());
        const auto start = message.find_first_not_of(": ");
        message.erase(0, start == std::string::npos ? message.size() : start);
    }
    while (!message.empty() && (message.back() == '.' || message.back() == ' '))
        message.pop_back();
    return message;
}

std::string sentTooMuch(const UpstreamConfig& upstream, const std::string& what, const char* field,
                        std::size_t limit)
{
    // Names the key that sets the cap, so the operator knows what to raise if it is wanted.
    return where(upstream) + " sent too much: " + what + " (" + upstream.keyPrefix + "." + field + " = " +
           std::to_string(limit) + "); the connection was dropped.";
}

} // namespace

ProxyFailure proxyFailure(const UpstreamConfig& upstream, const UpstreamFailure& failure)
{
    ProxyFailure result;
    result.status = failure.status();
    result.code = failure.code();
    switch (failure.kind)
    {
    case UpstreamFailure::Kind::Connect: result.label = "connect_error"; break;
    case UpstreamFailure::Kind::Timeout: result.label = "timeout"; break;
    default: result.label = "error"; break;
    }
    result.retryElsewhere = failure.kind != UpstreamFailure::Kind::TooLarge;
    if (failure.kind == UpstreamFailure::Kind::TooLarge)
        result.message =
            sentTooMuch(upstream, detail(upstream, failure.message), "max_body_bytes", upstream.maxBodyBytes);
    else
        result.message = named(upstream, failure.message);
    return result;
}

ProxyFailure tooLarge(const UpstreamConfig& upstream, const AnswerTooLarge& error)
{
    ProxyFailure result;
    result.message = sentTooMuch(upstream, error.what(), error.field(), error.limit());
    result.retryElsewhere = false;
    return result;
}

ProxyFailure brokenAnswer(const UpstreamConfig& upstream, const std::string& what)
{
    ProxyFailure result;
    result.message = where(upstream) + " failed mid-answer: " + what + ".";
    return result;
}

ProxyFailure reportedFailure(const UpstreamConfig& upstream, const std::string& data)
{
    std::string quoted = data;
    for (char& c : quoted)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = ' ';
    ProxyFailure result;
    result.message = where(upstream) + " ended its stream with a failure: " + quoted;
    return result;
}

std::string errorEvent(const ProxyFailure& failure, bool anthropic)
{
    std::string frame = "event: error\ndata: ";
    frame += anthropic ? anthropicErrorBody(anthropicErrorType(failure.status), failure.message)
                       : openAiErrorBody(failure.message, errorTypeForStatus(failure.status), failure.code);
    frame += "\n\n";
    return frame;
}

} // namespace portico::openai
