#include "http/ResponseHead.h"
#include "Poco/Net/HTTPResponse.h"
#include <charconv>
#include <strings.h>

namespace portico {

namespace {

void appendNumber(std::string& out, std::uint64_t value)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
}

bool equalsIgnoringCase(const std::string& name, const char* literal, std::size_t length)
{
    return name.size() == length && ::strncasecmp(name.data(), literal, length) == 0;
}

/// Connection, Content-Length and Transfer-Encoding belong to the core (see the header).
bool isFramingHeader(const std::string& name)
{
    if (name.empty())
        return false;
    switch (name[0])
    {
    case 'c':
    case 'C':
        return equalsIgnoringCase(name, "Connection", 10) || equalsIgnoringCase(name, "Content-Length", 14);
    case 't':
    case 'T':
        return equalsIgnoringCase(name, "Transfer-Encoding", 17);
    default:
        return false;
    }
}

void appendHeader(std::string& out, const std::string& name, const std::string& value)
{
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

} // namespace

void appendResponseHead(std::string& out, const Response& response, const ResponseHeadSpec& spec)
{
    const auto status = static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status);
    out += spec.version;
    out += ' ';
    appendNumber(out, static_cast<std::uint64_t>(response.status));
    out += ' ';
    out += Poco::Net::HTTPResponse::getReasonForStatus(status);
    out += "\r\nDate: ";
    out += spec.date;
    out += spec.keepAlive ? "\r\nConnection: Keep-Alive\r\n" : "\r\nConnection: Close\r\n";
    if (!response.contentType.empty())
        appendHeader(out, "Content-Type", response.contentType);
    for (const auto& [name, value] : response.headers)
        if (!isFramingHeader(name))
            appendHeader(out, name, value);
    if (spec.stream)
    {
        if (!response.headers.has("Cache-Control"))
            out += "Cache-Control: no-cache\r\n";
        if (!response.headers.has("X-Accel-Buffering"))
            out += "X-Accel-Buffering: no\r\n";
    }
    switch (spec.framing)
    {
    case BodyFraming::ContentLength:
        out += "Content-Length: ";
        appendNumber(out, spec.contentLength);
        out += "\r\n";
        break;
    case BodyFraming::Chunked:
        out += "Transfer-Encoding: chunked\r\n";
        break;
    case BodyFraming::UntilClose:
        break;
    }
    out += "\r\n";
}

void appendChunkSize(std::string& out, std::size_t size)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, size, 16).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
    out += "\r\n";
}

} // namespace portico
