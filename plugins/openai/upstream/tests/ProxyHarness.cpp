#include "ProxyHarness.h"
#include "Poco/URI.h"

namespace portico::openai::test {

void TimedSink::sendWhole(const Response& response)
{
    head = response;
    whole = true;
}

bool TimedSink::beginStream(const Response& response)
{
    head = response;
    streamed = true;
    return true;
}

bool TimedSink::writeChunk(std::string_view chunk)
{
    if (failAfter >= 0 && static_cast<int>(chunks.size()) >= failAfter)
        return false;
    at.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    chunks.emplace_back(chunk);
    return true;
}

std::string TimedSink::body() const
{
    std::string all;
    for (const auto& chunk : chunks)
        all += chunk;
    return all;
}

ProxyCall::ProxyCall(const std::string& body, const std::map<std::string, std::string>& headers,
                     const std::string& target)
{
    Poco::Net::NameValueCollection requestHeaders;
    requestHeaders.set("Content-Type", "application/json");
    for (const auto& [name, value] : headers)
        requestHeaders.set(name, value);
    exchange = std::make_unique<Exchange>("POST", target, requestHeaders, body, "127.0.0.1:40000");
    exchange->attach(&sink, {}, {});
    exchange->setAnswerSource(AnswerSource::Handler);
}

std::string ProxyCall::body() const
{
    return exchange->response().streamed ? sink.body() : exchange->response().body;
}

std::string ProxyCall::header(const std::string& name) const
{
    return exchange->response().headers.get(name, "");
}

UpstreamConfig testUpstream(const std::string& url, const std::string& name)
{
    UpstreamConfig upstream;
    upstream.name = name;
    upstream.keyPrefix = "upstream";
    upstream.url = url;
    const Poco::URI uri(url);
    upstream.scheme = uri.getScheme();
    upstream.host = uri.getHost();
    upstream.port = uri.getPort();
    upstream.basePath = uri.getPath();
    upstream.servesAll = true;
    upstream.connectTimeoutMs = 1000;
    upstream.readTimeoutMs = 2000;
    upstream.retryBackoffMs = 20;
    return upstream;
}

} // namespace portico::openai::test
