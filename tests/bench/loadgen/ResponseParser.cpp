#include "ResponseParser.h"
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <strings.h>

namespace portico::loadgen {

namespace {

// The largest head the parser accepts: a guard against a peer that never ends its head.
constexpr std::size_t maxHeadBytes = 64 * 1024;

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool containsIgnoringCase(std::string_view text, std::string_view word)
{
    return std::search(text.begin(), text.end(), word.begin(), word.end(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           }) != text.end();
}

} // namespace

ResponseParser::ResponseParser(BodySink sink) : sink_(std::move(sink)) {}

void ResponseParser::reset()
{
    state_ = State::Head;
    line_.clear();
    head_.clear();
    error_.clear();
    status_ = 0;
    keepAlive_ = true;
    remaining_ = 0;
}

void ResponseParser::fail(std::string why)
{
    state_ = State::Failed;
    error_ = std::move(why);
    keepAlive_ = false;
}

void ResponseParser::emit(const char* data, std::size_t size)
{
    if (sink_ && size > 0)
        sink_(std::string_view(data, size));
}

std::size_t ResponseParser::feed(const char* data, std::size_t size)
{
    std::size_t used = 0;
    while (used < size && state_ != State::Done && state_ != State::Failed)
    {
        const char* at = data + used;
        const std::size_t left = size - used;
        switch (state_)
        {
        case State::Head:
        {
            // Up to and including the blank line that ends the head.
            const std::size_t before = head_.size();
            head_.append(at, left);
            const std::size_t end = head_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
            if (end == std::string::npos)
            {
                used = size;
                if (head_.size() > maxHeadBytes)
                    fail("response head over 64 KiB");
                break;
            }
            used += end + 4 - before;
            head_.resize(end + 2);
            if (!parseHead())
                return used;
            break;
        }
        case State::FixedBody:
        {
            const std::size_t take = static_cast<std::size_t>(std::min<unsigned long long>(remaining_, left));
            emit(at, take);
            used += take;
            remaining_ -= take;
            if (remaining_ == 0)
                state_ = State::Done;
            break;
        }
        case State::UntilClose:
            emit(at, left);
            used = size;
            break;
        case State::ChunkSize:
        case State::ChunkDataEnd:
        case State::Trailer:
        {
            // Line-oriented states: collect one line.
            const char* newline = static_cast<const char*>(std::memchr(at, '\n', left));
            const std::size_t take = newline ? static_cast<std::size_t>(newline - at) + 1 : left;
            line_.append(at, take);
            used += take;
            if (line_.size() > 4096)
            {
                fail("chunk framing line over 4 KiB");
                break;
            }
            if (!newline)
                break;
            const std::string_view line = trim(std::string_view(line_).substr(0, line_.size() - 1));
            if (state_ == State::ChunkDataEnd)
            {
                if (!line.empty())
                    fail("chunk data not followed by CRLF");
                else
                    state_ = State::ChunkSize;
            }
            else if (state_ == State::Trailer)
            {
                if (line.empty())
                    state_ = State::Done;
            }
            else
            {
                const std::string digits(line.substr(0, line.find(';')));
                char* end = nullptr;
                const unsigned long long chunk = std::strtoull(digits.c_str(), &end, 16);
                if (digits.empty() || end != digits.c_str() + digits.size())
                    fail("bad chunk size line '" + std::string(line) + "'");
                else if (chunk == 0)
                    state_ = State::Trailer;
                else
                {
                    remaining_ = chunk;
                    state_ = State::ChunkData;
                }
            }
            line_.clear();
            break;
        }
        case State::ChunkData:
        {
            const std::size_t take = static_cast<std::size_t>(std::min<unsigned long long>(remaining_, left));
            emit(at, take);
            used += take;
            remaining_ -= take;
            if (remaining_ == 0)
                state_ = State::ChunkDataEnd;
            break;
        }
        case State::Done:
        case State::Failed:
            break;
        }
    }
    return used;
}

bool ResponseParser::parseHead()
{
    // head_ holds the status line and the header lines, each ending in CRLF.
    std::string_view rest(head_);
    const std::size_t statusEnd = rest.find("\r\n");
    const std::string_view statusLine = rest.substr(0, statusEnd);
    rest.remove_prefix(statusEnd + 2);
    const bool http10 = statusLine.substr(0, 9) == "HTTP/1.0 ";
    if (statusLine.size() < 12 || statusLine.substr(0, 5) != "HTTP/" || statusLine[8] != ' ' ||
        !std::isdigit(static_cast<unsigned char>(statusLine[9])))
    {
        fail("bad status line '" + std::string(statusLine) + "'");
        return false;
    }
    status_ = std::atoi(std::string(statusLine.substr(9, 3)).c_str());
    keepAlive_ = !http10;
    bool chunked = false;
    bool haveLength = false;
    unsigned long long length = 0;
    while (!rest.empty())
    {
        const std::size_t lineEnd = rest.find("\r\n");
        const std::string_view line = rest.substr(0, lineEnd);
        rest.remove_prefix(lineEnd + 2);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
        {
            fail("header line without ':'");
            return false;
        }
        const std::string_view name = trim(line.substr(0, colon));
        const std::string_view value = trim(line.substr(colon + 1));
        if (equalsIgnoringCase(name, "Content-Length"))
        {
            haveLength = true;
            length = std::strtoull(std::string(value).c_str(), nullptr, 10);
        }
        else if (equalsIgnoringCase(name, "Transfer-Encoding"))
            chunked = containsIgnoringCase(value, "chunked");
        else if (equalsIgnoringCase(name, "Connection"))
        {
            if (containsIgnoringCase(value, "close"))
                keepAlive_ = false;
            else if (containsIgnoringCase(value, "keep-alive"))
                keepAlive_ = true;
        }
    }
    // Framing, in RFC 9112's order: no body for 1xx/204/304, chunked, Content-Length, close.
    if (status_ == 204 || status_ == 304 || status_ / 100 == 1)
        state_ = State::Done;
    else if (chunked)
        state_ = State::ChunkSize;
    else if (haveLength)
    {
        remaining_ = length;
        state_ = length == 0 ? State::Done : State::FixedBody;
    }
    else
    {
        state_ = State::UntilClose;
        keepAlive_ = false;
    }
    return true;
}

void ResponseParser::endOfInput()
{
    if (state_ == State::UntilClose)
        state_ = State::Done;
    else if (state_ != State::Done && state_ != State::Failed)
        fail(state_ == State::Head && head_.empty() ? "connection closed before a response"
                                                    : "connection closed in the middle of a response");
}

} // namespace portico::loadgen
