#include "UpstreamFailure.h"
#include "AnswerLimits.h"
#include "portico/Errors.h"
#include "Poco/Exception.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/SSLException.h"

namespace portico::openai {

namespace {

std::string where(const UpstreamConfig& upstream)
{
    return "upstream '" + upstream.name + "' (" + upstream.url + ")";
}

bool isTimeout(const std::exception& error)
{
    return dynamic_cast<const Poco::TimeoutException*>(&error) != nullptr;
}

} // namespace

UpstreamFailure connectFailure(const UpstreamConfig& upstream, const std::exception& error)
{
    UpstreamFailure failure;
    if (isTimeout(error))
    {
        failure.status = 504;
        failure.code = "upstream_timeout";
        failure.label = "timeout";
        failure.message = "Timed out connecting to " + where(upstream) + " after " +
                          std::to_string(upstream.connectTimeoutMs) + " ms.";
        failure.retryable = true;
        return failure;
    }
    failure.status = 502;
    failure.code = "upstream_unreachable";
    failure.label = "connect_error";
    failure.message = "Could not connect to " + where(upstream) + ": " + describeException(error) + ".";
    // A certificate that fails verification fails the same way next time.
    failure.retryable = dynamic_cast<const Poco::Net::SSLException*>(&error) == nullptr;
    return failure;
}

UpstreamFailure exchangeFailure(const UpstreamConfig& upstream, const std::exception& error)
{
    UpstreamFailure failure;
    if (isTimeout(error))
    {
        failure.status = 504;
        failure.code = "upstream_timeout";
        failure.label = "timeout";
        failure.message = where(upstream) + " did not answer within " + std::to_string(upstream.readTimeoutMs) +
                          " ms (read_timeout_ms).";
        return failure;
    }
    failure.status = 502;
    failure.code = "upstream_error";
    failure.label = "error";
    if (const auto* tooLarge = dynamic_cast<const AnswerTooLarge*>(&error))
    {
        // Names the key that sets the cap, so the operator knows what to raise if it is wanted.
        failure.message = where(upstream) + " sent too much: " + tooLarge->what() + " (" + upstream.keyPrefix + "." +
                          tooLarge->field() + " = " + std::to_string(tooLarge->limit()) +
                          "); the connection was dropped.";
        return failure;
    }
    failure.message = where(upstream) + " failed mid-answer: " + describeException(error) + ".";
    return failure;
}

} // namespace portico::openai
