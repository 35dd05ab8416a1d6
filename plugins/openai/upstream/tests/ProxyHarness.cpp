#include "ProxyHarness.h"
#include "api/ExchangeControl.h"
#include "Poco/Exception.h"
#include "Poco/URI.h"

namespace portico::openai::test {

bool TimedSink::beginStream(Exchange& exchange)
{
    head = exchange.response();
    streamed = true;
    return true;
}

Exchange::TimerId TimedSink::after(Exchange&, std::chrono::milliseconds, std::function<void()>)
{
    throw Poco::NotImplementedException("no event loop in the proxy harness");
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
    HeaderList requestHeaders;
    requestHeaders.set("Content-Type", "application/json");
    for (const auto& [name, value] : headers)
        requestHeaders.set(name, value);
    exchange = std::make_unique<Exchange>("POST", target, std::move(requestHeaders), body, "127.0.0.1:40000");
    ExchangeControl::attach(*exchange, &sink);
    ExchangeControl::setAnswerSource(*exchange, AnswerSource::Handler);
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
