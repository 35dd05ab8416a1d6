#pragma once
/// One line of attr::UpstreamAttempts (written by the openai proxy, see Attributes.h), read
/// back for a client span.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portico::otel {

struct UpstreamAttempt
{
    std::uint64_t startNs = 0;
    std::uint64_t durationNs = 0;
    std::string spanId;
    /// "200", "503", or a failure label ("connect_error", "timeout", "error").
    std::string outcome;
    std::string host;
    int port = 0;
    std::string upstream;
    /// The API the upstream speaks, its GenAI provider: "openai" (also when the line does not
    /// say: an older producer), "anthropic".
    std::string api = "openai";

    /// The status when the outcome is one, else 0.
    int status() const;

    /// Every well-formed line of `text`; malformed ones are skipped (a newer producer's
    /// format must not break the span).
    static std::vector<UpstreamAttempt> parseAll(std::string_view text);
};

} // namespace portico::otel
