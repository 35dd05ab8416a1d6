#include "UpstreamAttempt.h"
#include "HexId.h"
#include "Poco/NumberParser.h"

namespace portico::otel {

namespace {

/// The next space-separated field of `line`, consumed.
std::string_view field(std::string_view& line)
{
    const std::size_t space = line.find(' ');
    std::string_view result = line.substr(0, space);
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    return result;
}

bool unsignedNumber(std::string_view text, std::uint64_t& value)
{
    Poco::UInt64 parsed = 0;
    if (text.empty() || !Poco::NumberParser::tryParseUnsigned64(std::string(text), parsed))
        return false;
    value = parsed;
    return true;
}

} // namespace

int UpstreamAttempt::status() const
{
    if (outcome.size() != 3 || outcome.find_first_not_of("0123456789") != std::string::npos)
        return 0;
    return std::stoi(outcome);
}

std::vector<UpstreamAttempt> UpstreamAttempt::parseAll(std::string_view text)
{
    std::vector<UpstreamAttempt> attempts;
    while (!text.empty())
    {
        const std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        UpstreamAttempt attempt;
        if (!unsignedNumber(field(line), attempt.startNs) || !unsignedNumber(field(line), attempt.durationNs))
            continue;
        attempt.spanId = std::string(field(line));
        attempt.outcome = std::string(field(line));
        const std::string_view hostPort = field(line);
        attempt.upstream = std::string(field(line));
        if (!line.empty())
            attempt.api = std::string(line);
        const std::size_t colon = hostPort.rfind(':');
        std::uint64_t port = 0;
        if (!isHexId(attempt.spanId, 16) || attempt.outcome.empty() || colon == std::string_view::npos ||
            !unsignedNumber(hostPort.substr(colon + 1), port) || port > 65535)
            continue;
        attempt.host = std::string(hostPort.substr(0, colon));
        attempt.port = static_cast<int>(port);
        attempts.push_back(std::move(attempt));
    }
    return attempts;
}

} // namespace portico::otel
