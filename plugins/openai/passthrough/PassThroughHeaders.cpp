#include "PassThroughHeaders.h"
#include "upstream/UpstreamRequest.h"
#include "portico/AsciiCase.h"
#include "portico/Attributes.h"
#include <algorithm>
#include <vector>

namespace portico::openai {

namespace {

/// Fields of one connection (RFC 9110 7.6.1, plus the pre-standard Keep-Alive and
/// Proxy-Connection that clients still send).
const char* const HopByHop[] = {"Connection", "Keep-Alive", "Proxy-Connection", "TE",
                                "Trailer",    "Transfer-Encoding", "Upgrade"};

/// Request fields the gateway replaces or the core's client sets.
const char* const NotForwarded[] = {"Host",        "Content-Length", "Expect",         "Authorization",
                                    "Proxy-Authorization", "traceparent", "Accept-Encoding"};

/// Answer fields the core sets, or that stay the gateway's.
const char* const NotRelayed[] = {"Content-Length", "Content-Type", "Date", "X-Request-Id"};

bool listed(std::string_view name, const char* const* begin, const char* const* end)
{
    return std::any_of(begin, end, [name](const char* candidate) { return equalsIgnoringCase(name, candidate); });
}

/// The field names a Connection header lists ("close, X-Custom" -> close, X-Custom).
std::vector<std::string> connectionOptions(const HeaderList& headers)
{
    std::vector<std::string> names;
    for (const auto& [name, value] : headers)
    {
        if (!equalsIgnoringCase(name, "Connection"))
            continue;
        std::size_t start = 0;
        while (start <= value.size())
        {
            std::size_t comma = value.find(',', start);
            if (comma == std::string::npos)
                comma = value.size();
            std::string option = value.substr(start, comma - start);
            const auto first = option.find_first_not_of(" \t");
            const auto last = option.find_last_not_of(" \t");
            if (first != std::string::npos)
                names.push_back(option.substr(first, last - first + 1));
            start = comma + 1;
        }
    }
    return names;
}

bool namedIn(std::string_view name, const std::vector<std::string>& names)
{
    return std::any_of(names.begin(), names.end(),
                       [name](const std::string& candidate) { return equalsIgnoringCase(name, candidate); });
}

bool hopByHop(std::string_view name, const std::vector<std::string>& connectionNamed)
{
    return listed(name, std::begin(HopByHop), std::end(HopByHop)) || namedIn(name, connectionNamed);
}

} // namespace

bool hasDotSegment(const std::string& path)
{
    std::size_t start = 0;
    while (start <= path.size())
    {
        std::size_t slash = path.find('/', start);
        if (slash == std::string::npos)
            slash = path.size();
        std::string segment = path.substr(start, slash - start);
        // "%2e" is a dot to any server that decodes before it resolves.
        for (std::size_t at = segment.find('%'); at != std::string::npos; at = segment.find('%', at + 1))
            if (segment.size() - at >= 3 && segment[at + 1] == '2' && (segment[at + 2] == 'e' || segment[at + 2] == 'E'))
                segment.replace(at, 3, ".");
        if (segment == "." || segment == "..")
            return true;
        start = slash + 1;
    }
    return false;
}

std::string forwardedAddress(const std::string& clientAddress)
{
    if (!clientAddress.empty() && clientAddress.front() == '[')
    {
        const std::size_t close = clientAddress.find(']');
        return close == std::string::npos ? clientAddress : clientAddress.substr(1, close - 1);
    }
    const std::size_t colon = clientAddress.rfind(':');
    return colon == std::string::npos ? clientAddress : clientAddress.substr(0, colon);
}

UpstreamRequest passThroughRequest(const Exchange& exchange, const UpstreamConfig& upstream)
{
    UpstreamRequest request;
    request.method = exchange.method();
    request.target = upstreamTarget(upstream, exchange.path());
    if (!exchange.query().empty())
        request.target += "?" + exchange.query();
    const HeaderList& incoming = exchange.requestHeaders();
    const std::vector<std::string> connectionNamed = connectionOptions(incoming);
    HeaderList& headers = request.headers;
    headers.reserve(incoming.size() + 4);
    std::string forwardedFor;
    for (const auto& [name, value] : incoming)
    {
        if (hopByHop(name, connectionNamed) || listed(name, std::begin(NotForwarded), std::end(NotForwarded)))
            continue;
        if (equalsIgnoringCase(name, "X-Forwarded-For"))
        {
            // Several fields are one list (RFC 9110 5.3): joined, then ours appended.
            forwardedFor += (forwardedFor.empty() ? "" : ", ") + value;
            continue;
        }
        headers.add(name, value);
    }
    const std::string address = forwardedAddress(exchange.clientAddress());
    if (address != "-")
        forwardedFor += (forwardedFor.empty() ? "" : ", ") + address;
    if (!forwardedFor.empty())
        headers.add("X-Forwarded-For", forwardedFor);
    headers.add("Accept-Encoding", "identity");
    if (!upstream.apiKey.empty())
        headers.add("Authorization", "Bearer " + upstream.apiKey);
    if (const std::string* traceparent = exchange.find(attr::TraceparentOut))
        headers.add("traceparent", *traceparent);
    else if (const std::string& traceparent = exchange.requestHeader("traceparent"); !traceparent.empty())
        headers.add("traceparent", traceparent);
    // Pass-through routes stream their bodies (the route says so): the bytes go on as the
    // client sends them. A body read whole (an exchange built by a test) goes as it is.
    if (exchange.bodyStream())
        request.bodyStream = exchange.bodyStream();
    else
        request.body = exchange.body();
    // Passed on as the upstream answers: a 502 or 503 is the service's to give.
    request.retryBusy = false;
    // The call relays big answers as a stream (PassThroughCall), so the core's client sets no cap.
    request.maxBodyBytes = 0;
    return request;
}

void relayAnswerHeaders(const UpstreamAnswer& answer, HeaderList& into)
{
    const std::vector<std::string> connectionNamed = connectionOptions(answer.headers);
    for (const auto& [name, value] : answer.headers)
    {
        if (hopByHop(name, connectionNamed) || listed(name, std::begin(NotRelayed), std::end(NotRelayed)))
        {
            if (equalsIgnoringCase(name, "X-Request-Id"))
                into.set(UpstreamRequestIdHeader, value);
            continue;
        }
        into.add(name, value);
    }
}

} // namespace portico::openai
