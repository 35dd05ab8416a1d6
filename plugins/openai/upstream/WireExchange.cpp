#include "WireExchange.h"
#include "portico/AsciiCase.h"
#include "Poco/Exception.h"
#include "Poco/Net/NetException.h"
#include "Poco/String.h"

namespace portico::openai {

namespace {

/// Larger heads are refused (Poco's own limits are of the same order).
constexpr std::size_t maxHeadBytes = 64 * 1024;
constexpr std::size_t readBlock = 16 * 1024;
/// More interim (1xx) answers before the real one are refused: no server sends that many.
constexpr int maxInterimAnswers = 16;

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

AnswerTooLarge tooLarge(std::size_t limit)
{
    return AnswerTooLarge("the upstream's answer body is larger than " + std::to_string(limit) + " bytes",
                          "max_body_bytes", limit);
}

/// Reads from the socket into a buffer; `at` is where parsing stands.
class Reader
{
public:
    Reader(Poco::Net::StreamSocket& socket, std::size_t& received) : socket_(socket), received_(received) {}

    /// Reads more; false at the end of the connection.
    bool fill()
    {
        if (at_ > 0 && at_ == buffer_.size())
        {
            buffer_.clear();
            at_ = 0;
        }
        else if (at_ > 0 && at_ * 2 >= buffer_.size())
        {
            // Drop what was parsed: a head line split across reads would otherwise keep every
            // earlier byte (endless interim answers grew the buffer without bound).
            buffer_.erase(0, at_);
            at_ = 0;
        }
        // Into a block on the stack, then appended: resizing the string first would zero
        // 16 KiB per read.
        char block[readBlock];
        const int got = socket_.receiveBytes(block, static_cast<int>(readBlock));
        if (got <= 0)
            return false;
        buffer_.append(block, static_cast<std::size_t>(got));
        received_ += static_cast<std::size_t>(got);
        return true;
    }

    /// The next line without its line end; throws at the end of the connection or past the
    /// head limit.
    std::string_view line(std::size_t& headBytes)
    {
        for (;;)
        {
            const std::size_t end = buffer_.find('\n', at_);
            if (end != std::string::npos)
            {
                std::string_view text(buffer_.data() + at_, end - at_);
                headBytes += end + 1 - at_;
                at_ = end + 1;
                if (headBytes > maxHeadBytes)
                    throw Poco::Net::MessageException("the upstream's answer head is too long");
                if (!text.empty() && text.back() == '\r')
                    text.remove_suffix(1);
                return text;
            }
            if (headBytes + (buffer_.size() - at_) > maxHeadBytes)
                throw Poco::Net::MessageException("the upstream's answer head is too long");
            if (!fill())
            {
                if (received_ == 0)
                    throw Poco::Net::NoMessageException("the upstream closed the connection without answering");
                throw Poco::Net::MessageException("the upstream closed the connection inside its answer's head");
            }
        }
    }

    /// Appends exactly `count` bytes to `out`; false when the connection ends first (what came
    /// is appended).
    bool take(std::size_t count, std::string& out)
    {
        while (count > 0)
        {
            if (at_ == buffer_.size() && !fill())
                return false;
            const std::size_t n = std::min(count, buffer_.size() - at_);
            out.append(buffer_, at_, n);
            at_ += n;
            count -= n;
        }
        return true;
    }

    /// Appends everything up to the end of the connection; throws AnswerTooLarge as soon as
    /// `out` would pass `limit` (so at most one read block is held past it).
    void takeAll(std::string& out, std::size_t limit)
    {
        do
        {
            if (buffer_.size() - at_ > limit - out.size())
                throw tooLarge(limit);
            out.append(buffer_, at_, std::string::npos);
            at_ = buffer_.size();
        } while (fill());
    }

    /// Bytes read past what was parsed.
    bool leftover() const { return at_ < buffer_.size(); }

private:
    Poco::Net::StreamSocket& socket_;
    std::string buffer_;
    std::size_t at_ = 0;
    std::size_t& received_;
};

struct Head
{
    bool http11 = false;
    int status = 0;
    std::string connection;
    bool chunked = false;
    long long contentLength = -1;
};

Head readHead(Reader& reader, WireAnswer& answer)
{
    Head head;
    std::size_t headBytes = 0;
    std::string_view status = reader.line(headBytes);
    // "HTTP/1.1 200 OK"
    if (status.size() < 12 || status.compare(0, 5, "HTTP/") != 0 || status[8] != ' ')
        throw Poco::Net::MessageException("the upstream's answer does not start with an HTTP status line");
    head.http11 = status.compare(5, 3, "1.1") == 0;
    for (std::size_t i = 9; i < 12; ++i)
    {
        if (status[i] < '0' || status[i] > '9')
            throw Poco::Net::MessageException("the upstream's status line has no status code");
        head.status = head.status * 10 + (status[i] - '0');
    }
    // RFC 9110 section 15: valid codes are 100..599. "HTTP/1.1 000" would otherwise be relayed
    // to the client as status 0 (found by fuzz_upstream_answer).
    if (head.status < 100 || head.status > 599)
        throw Poco::Net::MessageException("the upstream's status code is outside 100..599");
    for (;;)
    {
        const std::string_view line = reader.line(headBytes);
        if (line.empty())
            return head;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            throw Poco::Net::MessageException("a header line of the upstream's answer has no colon");
        const std::string_view name = trim(line.substr(0, colon));
        const std::string_view value = trim(line.substr(colon + 1));
        // The first of repeated headers counts, as Poco's NameValueCollection::get gives it.
        if (equalsIgnoringCase(name, "content-length"))
        {
            if (head.contentLength >= 0)
                continue;
            long long length = 0;
            if (value.empty() || value.size() > 18)
                throw Poco::Net::MessageException("the upstream's Content-Length is invalid");
            for (const char c : value)
            {
                if (c < '0' || c > '9')
                    throw Poco::Net::MessageException("the upstream's Content-Length is invalid");
                length = length * 10 + (c - '0');
            }
            head.contentLength = length;
        }
        else if (equalsIgnoringCase(name, "transfer-encoding"))
            head.chunked = head.chunked || Poco::icompare(std::string(value), "chunked") == 0;
        else if (equalsIgnoringCase(name, "connection") && head.connection.empty())
            head.connection = value;
        else if (equalsIgnoringCase(name, "content-type") && answer.contentType.empty())
            answer.contentType = value;
        else if (equalsIgnoringCase(name, "x-request-id") && answer.requestId.empty())
            answer.requestId = value;
    }
}

void readChunked(Reader& reader, std::string& body, std::size_t limit)
{
    for (;;)
    {
        std::size_t lineBytes = 0;
        const std::string_view sizeLine = reader.line(lineBytes);
        std::size_t size = 0;
        std::size_t digits = 0;
        for (const char c : sizeLine)
        {
            int value = -1;
            if (c >= '0' && c <= '9')
                value = c - '0';
            else if (c >= 'a' && c <= 'f')
                value = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                value = c - 'A' + 10;
            if (value < 0)
                break; // a chunk extension (";...") or trailing space
            if (++digits > 12)
                throw Poco::Net::MessageException("the upstream's chunk size is invalid");
            size = size * 16 + static_cast<std::size_t>(value);
        }
        if (digits == 0)
            throw Poco::Net::MessageException("the upstream's chunk size is invalid");
        if (size == 0)
        {
            // Trailers, up to the blank line that ends the message.
            while (!reader.line(lineBytes).empty())
            {
            }
            return;
        }
        // Refused by its declared size, before the chunk is read.
        if (size > limit - body.size())
            throw tooLarge(limit);
        if (!reader.take(size, body))
            throw Poco::IOException("the connection closed inside a chunk of the answer");
        if (!reader.line(lineBytes).empty())
            throw Poco::Net::MessageException("a chunk of the upstream's answer is longer than its size");
    }
}

} // namespace

void sendRequest(Poco::Net::StreamSocket& socket, std::string_view head, std::string_view body)
{
    // Head and body in one buffer: one send, one segment for a small request.
    std::string message;
    message.reserve(head.size() + body.size());
    message.append(head).append(body);
    std::size_t sent = 0;
    while (sent < message.size())
    {
        const int n = socket.sendBytes(message.data() + sent, static_cast<int>(message.size() - sent));
        if (n <= 0)
            throw Poco::IOException("sending the request failed");
        sent += static_cast<std::size_t>(n);
    }
}

void receiveAnswer(Poco::Net::StreamSocket& socket, WireAnswer& answer, std::size_t maxBodyBytes)
{
    answer.received = 0;
    Reader reader(socket, answer.received);
    Head head;
    int interim = 0;
    do
    {
        if (interim++ > maxInterimAnswers)
            throw Poco::Net::MessageException("the upstream sent more than " + std::to_string(maxInterimAnswers) +
                                              " interim (1xx) answers");
        answer.contentType.clear();
        answer.requestId.clear();
        head = readHead(reader, answer);
    } while (head.status >= 100 && head.status < 200 && head.status != 101); // interim answers
    // A 101 is final (it switches protocols): relaying it, or reading what follows as its body,
    // would be wrong for a request that asked for no upgrade.
    if (head.status < 200)
        throw Poco::Net::MessageException("the upstream answered " + std::to_string(head.status) +
                                          " (switching protocols) to a request that asked for no upgrade");
    answer.status = head.status;
    answer.body.clear();
    // Poco's HTTPMessage::getKeepAlive: the Connection header decides, else the version does.
    bool keepAlive = !head.connection.empty() ? Poco::icompare(head.connection, "close") != 0 : head.http11;
    if (head.status == 204 || head.status == 304)
    {
        // No body, whatever the head says.
    }
    else if (head.chunked)
        readChunked(reader, answer.body, maxBodyBytes);
    else if (head.contentLength >= 0)
    {
        // Refused on the head alone: not one byte of an oversized body is read.
        if (static_cast<unsigned long long>(head.contentLength) > maxBodyBytes)
            throw AnswerTooLarge("the upstream's answer declares a body of " + std::to_string(head.contentLength) +
                                     " bytes, more than " + std::to_string(maxBodyBytes),
                                 "max_body_bytes", maxBodyBytes);
        if (!reader.take(static_cast<std::size_t>(head.contentLength), answer.body))
            throw Poco::IOException("the connection closed after " + std::to_string(answer.body.size()) + " of " +
                                    std::to_string(head.contentLength) + " bytes");
    }
    else
    {
        reader.takeAll(answer.body, maxBodyBytes); // no length: the answer ends with the connection
        keepAlive = false;
    }
    answer.keepAlive = keepAlive && !reader.leftover();
}

} // namespace portico::openai
