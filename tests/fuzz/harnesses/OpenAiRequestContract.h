#pragma once
// The contract every openai request harness checks: a request body goes through what the
// plugin does with it (parseJsonObject with the default depth limit, the model field, then the
// endpoint's parse) and the only exception that may come out is the plugin's RequestError,
// with a status in 4xx and a message. Anything else (a Poco BadCastException, std::out_of_range,
// ...) would be a 500 for a client's mistake.

#include "FuzzCheck.h"
#include "JsonBody.h"
#include "OpenAiConfig.h"
#include "RequestError.h"
#include <cstdint>
#include <string>

namespace portico::fuzz {

/// Small limits, so that the fuzzer reaches the limit checks with small inputs.
inline openai::LocalBackendConfig fuzzLimits()
{
    openai::LocalBackendConfig limits;
    limits.maxOutputTokens = 4096;
    limits.embedMaxDimensions = 64;
    limits.embedDefaultDimensions = 8;
    limits.embedMaxInputs = 16;
    limits.embedMaxInputTokens = 256;
    return limits;
}

/// Runs `parse(body, limits)` on the body the way the plugin does; `accepted(request)` checks
/// what a successful parse promises. Exceptions other than RequestError escape (and crash).
template <typename Parse, typename Accepted>
void fuzzRequest(const std::uint8_t* data, std::size_t size, Parse parse, Accepted accepted)
{
    const std::string body(reinterpret_cast<const char*>(data), size);
    const openai::LocalBackendConfig limits = fuzzLimits();
    try
    {
        const auto object = openai::parseJsonObject(body, 64); // OpenAiConfig's default max_json_depth
        check(!object.isNull(), "parseJsonObject returns an object or throws");
        const std::string model = openai::FieldReader(*object).requiredString("model");
        accepted(parse(*object, limits), limits);
    }
    catch (const openai::RequestError& error)
    {
        check(error.status() >= 400 && error.status() < 500, "a RequestError is a 4xx");
        check(error.what()[0] != '\0', "a RequestError has a message");
    }
}

} // namespace portico::fuzz
