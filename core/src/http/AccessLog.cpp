#include "http/AccessLog.h"
#include "portico/Attributes.h"
#include "portico/Errors.h"
#include "portico/Json.h"
#include "Poco/AutoPtr.h"
#include "Poco/Channel.h"
#include "Poco/DateTimeFormatter.h"
#include "Poco/Exception.h"
#include "Poco/FileChannel.h"
#include "Poco/Logger.h"
#include "Poco/Message.h"
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <unistd.h>

namespace portico {

namespace {

/// Writes each message's text and a newline to stderr in one write(2), so that a line is never
/// split by another thread's output (a ConsoleChannel writes text and newline separately).
class StderrLineChannel : public Poco::Channel
{
public:
    void log(const Poco::Message& message) override
    {
        std::string line = message.getText();
        line += '\n';
        const char* data = line.data();
        std::size_t left = line.size();
        while (left > 0)
        {
            const ssize_t written = ::write(STDERR_FILENO, data, left);
            if (written < 0 && errno == EINTR)
                continue;
            if (written <= 0)
                return; // stderr is gone; nothing better to do with an access line
            data += written;
            left -= static_cast<std::size_t>(written);
        }
    }
};

/// The channel that stays on the logger for the life of the process (so that wrappers put
/// around it, such as the redaction plugin's, stay in place across reloads); configure()
/// swaps what is behind it.
class SwitchChannel : public Poco::Channel
{
public:
    void log(const Poco::Message& message) override
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (target_)
            target_->log(message);
    }

    void setTarget(Poco::Channel::Ptr target)
    {
        Poco::Channel::Ptr old;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            old = target_;
            target_ = std::move(target);
        }
        if (old)
            old->close();
    }

private:
    std::mutex mutex_;
    Poco::Channel::Ptr target_;
};

Poco::AutoPtr<SwitchChannel>& switchChannel()
{
    static Poco::AutoPtr<SwitchChannel> channel(new SwitchChannel);
    return channel;
}

std::atomic<bool> enabled{true};

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

/// "12.345": milliseconds with three decimals (rounded to the microsecond), without printf.
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

std::string milliseconds(std::chrono::steady_clock::duration elapsed)
{
    std::string text;
    appendMilliseconds(text, elapsed);
    return text;
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

std::string isoTime(const Poco::Timestamp& now)
{
    std::string text;
    appendIsoTime(text, now);
    return text;
}

void write(const std::string& line)
{
    static Poco::Logger& logger = Poco::Logger::get(AccessLog::LoggerName);
    // The logger's channel, not logger.information(): server.log_level sets every logger's
    // level and must not switch the access log off. The channel may be the redaction wrapper.
    Poco::Channel::Ptr channel = logger.getChannel();
    if (!channel)
        return;
    try
    {
        channel->log(Poco::Message(AccessLog::LoggerName, line, Poco::Message::PRIO_INFORMATION));
    }
    catch (const Poco::Exception& e)
    {
        // A full disk must not fail requests; say so on the server's log, at most once a minute.
        static std::atomic<std::int64_t> lastComplaint{0};
        const std::int64_t now = Poco::Timestamp().epochMicroseconds();
        std::int64_t last = lastComplaint.load();
        if (now - last > 60 * 1000000LL && lastComplaint.compare_exchange_strong(last, now))
            Poco::Logger::get("portico.core").error("access log write failed: " + e.displayText());
    }
}

} // namespace

void AccessLog::install()
{
    static std::once_flag once;
    std::call_once(once, [] {
        switchChannel()->setTarget(new StderrLineChannel);
        Poco::Logger::get(LoggerName).setChannel(switchChannel());
    });
}

void AccessLog::configure(const AccessLogSettings& settings)
{
    install();
    Poco::Channel::Ptr target;
    switch (settings.target)
    {
    case AccessLogSettings::Target::Off:
        enabled = false;
        switchChannel()->setTarget(nullptr);
        return;
    case AccessLogSettings::Target::Stderr:
        target = new StderrLineChannel;
        break;
    case AccessLogSettings::Target::File:
    {
        Poco::AutoPtr<Poco::FileChannel> file(new Poco::FileChannel);
        try
        {
            file->setProperty(Poco::FileChannel::PROP_PATH, settings.file);
            file->setProperty(Poco::FileChannel::PROP_ROTATION, settings.rotation);
            file->setProperty(Poco::FileChannel::PROP_ARCHIVE, settings.archive);
            file->setProperty(Poco::FileChannel::PROP_TIMES, "utc");
            file->setProperty(Poco::FileChannel::PROP_COMPRESS, settings.compress ? "true" : "false");
            file->setProperty(Poco::FileChannel::PROP_FLUSH, settings.flush ? "true" : "false");
            if (settings.purgeCount > 0)
                file->setProperty(Poco::FileChannel::PROP_PURGECOUNT, std::to_string(settings.purgeCount));
            file->open(); // now, so that a bad path is a config error and not a lost line later
        }
        catch (const Poco::Exception& e)
        {
            throw ConfigError(settings.source + ": [log] access_file: cannot open " + settings.file + ": " +
                              e.displayText());
        }
        target = file;
        break;
    }
    }
    switchChannel()->setTarget(target);
    enabled = true;
}

void AccessLog::check(const AccessLogSettings& settings)
{
    if (settings.target != AccessLogSettings::Target::File)
        return;
    // The file if it exists, else the directory it would be created in.
    const bool exists = ::access(settings.file.c_str(), F_OK) == 0;
    const auto slash = settings.file.rfind('/');
    const std::string directory =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : settings.file.substr(0, slash));
    const std::string& target = exists ? settings.file : directory;
    if (::access(target.c_str(), W_OK) != 0)
        throw ConfigError(settings.source + ": [log] access_file: cannot open " + settings.file + ": " +
                          (exists ? "" : "directory " + directory + ": ") + std::strerror(errno));
}

std::string AccessLog::format(const Exchange& exchange, Outcome outcome, const Poco::Timestamp& now)
{
    // Appended piece by piece into one reserved buffer: no temporary per field.
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

void AccessLog::record(const Exchange& exchange, Outcome outcome)
{
    if (enabled)
        write(format(exchange, outcome, Poco::Timestamp()));
}

void AccessLog::recordUnread(const std::string& method, const std::string& target, const std::string& client,
                             int status, std::uint64_t bytesOut, std::chrono::steady_clock::time_point startedAt)
{
    if (!enabled)
        return;
    std::string line = "{\"time\":\"" + isoTime(Poco::Timestamp()) + "\",\"trace_id\":null,\"principal\":null";
    line += ",\"method\":" + jsonString(method);
    line += ",\"path\":" + jsonString(target.substr(0, target.find('?')));
    line += ",\"status\":" + std::to_string(status);
    line += ",\"bytes_out\":" + std::to_string(bytesOut);
    line += ",\"duration_ms\":" + milliseconds(std::chrono::steady_clock::now() - startedAt);
    line += ",\"upstream_ms\":null,\"model\":null,\"client\":" + jsonString(client) + ",\"outcome\":\"error\"}";
    write(line);
}

} // namespace portico
