// AccessLog::format: the access log's JSON line (see AccessLog.h), built on the request's
// thread, appended piece by piece into one buffer without printf.

#include "http/AccessLog.h"
#include "portico/Attributes.h"
#include "portico/Json.h"
#include "Poco/DateTimeFormatter.h"
#include <charconv>

namespace portico {

namespace {

const char* outcomeName(Outcome outcome)
{
    switch (outcome)
    {
    case Outcome::Completed: return "completed";
    case Outcome::Error: return "error";
    case Outcome::ClientGone: return "client_gone";
    }
    return "unknown";
}

/// A JSON string for `value`, or null when it is absent.
std::string stringOrNull(const std::string* value)
{
    return value && !value->empty() ? jsonString(*value) : "null";
}

/// A plain decimal number as it is; anything else as a JSON string, so the line stays valid.
std::string numberOrNull(const std::string* value)
{
    if (!value || value->empty())
        return "null";
    bool digits = false;
    bool dot = false;
    for (char c : *value)
    {
        if (c >= '0' && c <= '9')
            digits = true;
        else if (c == '.' && !dot)
            dot = true;
        else
            return jsonString(*value);
    }
    return digits && value->front() != '.' && value->back() != '.' ? *value : jsonString(*value);
}

void appendNumber(std::string& out, std::uint64_t value)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
}

/// "12.345": milliseconds with three decimals (rounded to the microsecond).
void appendMilliseconds(std::string& out, std::chrono::steady_clock::duration elapsed)
{
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
    const std::uint64_t us = ns > 0 ? (static_cast<std::uint64_t>(ns) + 500) / 1000 : 0;
    appendNumber(out, us / 1000);
    const auto fraction = static_cast<unsigned>(us % 1000);
    out += '.';
    out += static_cast<char>('0' + fraction / 100);
    out += static_cast<char>('0' + fraction / 10 % 10);
    out += static_cast<char>('0' + fraction % 10);
}

/// "2026-01-02T03:04:05.678Z". The part up to the seconds is formatted once per second per
/// thread; only the milliseconds change between the lines of a busy second.
void appendIsoTime(std::string& out, const Poco::Timestamp& now)
{
    thread_local Poco::Timestamp::TimeVal cachedSecond = -1;
    thread_local std::string cachedPrefix;
    const Poco::Timestamp::TimeVal micros = now.epochMicroseconds();
    const Poco::Timestamp::TimeVal second = micros / 1000000;
    if (second != cachedSecond)
    {
        cachedPrefix = Poco::DateTimeFormatter::format(Poco::Timestamp(second * 1000000), "%Y-%m-%dT%H:%M:%S.");
        cachedSecond = second;
    }
    out += cachedPrefix;
    const auto millis = static_cast<unsigned>(micros / 1000 % 1000);
    out += static_cast<char>('0' + millis / 100);
    out += static_cast<char>('0' + millis / 10 % 10);
    out += static_cast<char>('0' + millis % 10);
    out += 'Z';
}

} // namespace

std::string AccessLog::format(const Exchange& exchange, Outcome outcome, const Poco::Timestamp& now)
{
    const Response& response = exchange.response();
    std::string line;
    line.reserve(320);
    line += "{\"time\":\"";
    appendIsoTime(line, now);
    line += "\",\"trace_id\":";
    line += stringOrNull(exchange.find(attr::TraceId));
    line += ",\"principal\":";
    line += stringOrNull(exchange.find(attr::Principal));
    line += ",\"method\":";
    line += jsonString(exchange.method());
    line += ",\"path\":";
    line += jsonString(exchange.path());
    line += ",\"status\":";
    appendNumber(line, static_cast<std::uint64_t>(response.status));
    line += ",\"bytes_out\":";
    appendNumber(line, response.bytesSent);
    line += ",\"duration_ms\":";
    appendMilliseconds(line, Exchange::Clock::now() - exchange.startedAt());
    line += ",\"upstream_ms\":";
    line += numberOrNull(exchange.find(attr::UpstreamMs));
    line += ",\"model\":";
    line += stringOrNull(exchange.find(attr::Model));
    line += ",\"client\":";
    line += jsonString(exchange.clientAddress());
    line += ",\"outcome\":\"";
    line += outcomeName(outcome);
    line += "\"}";
    return line;
}

} // namespace portico
