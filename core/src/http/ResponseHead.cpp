#include "http/ResponseHead.h"
#include "portico/AsciiCase.h"
#include "Poco/Bugcheck.h"
#include "Poco/Net/HTTPResponse.h"
#include <charconv>
#include <cstring>
#include <string_view>

namespace portico {

namespace {

/// Connection, Content-Length and Transfer-Encoding belong to the core (see the header).
bool isFramingHeader(const std::string& name)
{
    if (name.empty())
        return false;
    switch (name[0])
    {
    case 'c':
    case 'C':
        return equalsIgnoringCase(name, "Connection") || equalsIgnoringCase(name, "Content-Length");
    case 't':
    case 'T':
        return equalsIgnoringCase(name, "Transfer-Encoding");
    default:
        return false;
    }
}

/// Writes into a buffer that was sized beforehand: the head is measured first, then copied in
/// with memcpy, instead of growing the string by a few bytes a dozen times.
class HeadWriter
{
public:
    explicit HeadWriter(char* at) : at_(at) {}
    void put(std::string_view text)
    {
        std::memcpy(at_, text.data(), text.size());
        at_ += text.size();
    }
    void header(std::string_view name, std::string_view value)
    {
        put(name);
        put(": ");
        put(value);
        put("\r\n");
    }
    char* position() const { return at_; }

private:
    char* at_;
};

constexpr std::string_view keepAliveLine = "\r\nConnection: Keep-Alive\r\n";
constexpr std::string_view closeLine = "\r\nConnection: Close\r\n";
constexpr std::string_view noCacheLine = "Cache-Control: no-cache\r\n";
constexpr std::string_view noBufferingLine = "X-Accel-Buffering: no\r\n";
constexpr std::string_view chunkedLine = "Transfer-Encoding: chunked\r\n";

} // namespace

void appendResponseHead(std::string& out, const Response& response, const ResponseHeadSpec& spec)
{
    const auto status = static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status);
    const std::string& reason = Poco::Net::HTTPResponse::getReasonForStatus(status);
    char statusDigits[24];
    const std::size_t statusLength = static_cast<std::size_t>(
        std::to_chars(statusDigits, statusDigits + sizeof statusDigits, response.status).ptr - statusDigits);
    char lengthDigits[24];
    const std::size_t lengthLength = static_cast<std::size_t>(
        std::to_chars(lengthDigits, lengthDigits + sizeof lengthDigits, spec.contentLength).ptr - lengthDigits);
    const bool noCache = spec.stream && !response.headers.has("Cache-Control");
    const bool noBuffering = spec.stream && !response.headers.has("X-Accel-Buffering");
    const std::string_view connection = spec.keepAlive ? keepAliveLine : closeLine;

    // Measure.
    std::size_t size = spec.version.size() + 1 + statusLength + 1 + reason.size() + 8 /* "\r\nDate: " */ +
                       spec.date.size() + connection.size();
    if (!response.contentType.empty())
        size += 14 /* "Content-Type: " */ + response.contentType.size() + 2;
    for (const auto& [name, value] : response.headers)
        if (!isFramingHeader(name))
            size += name.size() + 2 + value.size() + 2;
    size += (noCache ? noCacheLine.size() : 0) + (noBuffering ? noBufferingLine.size() : 0);
    if (spec.framing == AnswerFraming::ContentLength)
        size += 16 /* "Content-Length: " */ + lengthLength + 2;
    else if (spec.framing == AnswerFraming::Chunked)
        size += chunkedLine.size();
    size += 2;

    // Copy.
    const std::size_t start = out.size();
    out.resize(start + size);
    HeadWriter writer(out.data() + start);
    writer.put(spec.version);
    writer.put(" ");
    writer.put({statusDigits, statusLength});
    writer.put(" ");
    writer.put(reason);
    writer.put("\r\nDate: ");
    writer.put(spec.date);
    writer.put(connection);
    if (!response.contentType.empty())
        writer.header("Content-Type", response.contentType);
    for (const auto& [name, value] : response.headers)
        if (!isFramingHeader(name))
            writer.header(name, value);
    if (noCache)
        writer.put(noCacheLine);
    if (noBuffering)
        writer.put(noBufferingLine);
    if (spec.framing == AnswerFraming::ContentLength)
    {
        writer.put("Content-Length: ");
        writer.put({lengthDigits, lengthLength});
        writer.put("\r\n");
    }
    else if (spec.framing == AnswerFraming::Chunked)
        writer.put(chunkedLine);
    writer.put("\r\n");
    poco_assert(writer.position() == out.data() + out.size());
}

void appendChunkSize(std::string& out, std::size_t size)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, size, 16).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
    out += "\r\n";
}

} // namespace portico
