#pragma once
// Drives UpstreamProxy::forward through a real Exchange: the exchange's host is a sink that
// timestamps every chunk (to show events arrive one by one) and can play a client that goes
// away. No chain: the proxy is called as its handler would call it, on the test's thread.

#include "UpstreamConfig.h"
#include "api/ExchangeHost.h"
#include "portico/Exchange.h"
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace portico::openai::test {

class TimedSink : public ExchangeHost
{
public:
    using Clock = std::chrono::steady_clock;

    bool beforeCommit(Exchange&) override { return true; }
    void observe(Exchange&, std::string_view) override {}
    bool beginStream(Exchange& exchange) override;
    bool writeChunk(std::string_view chunk) override;
    bool streamReady() const override { return true; }
    void streamEnded(Exchange&, bool failed) override
    {
        ended = !failed;
        cut = failed;
    }
    Exchange::TimerId after(Exchange&, std::chrono::milliseconds, std::function<void()>) override;
    void cancelTimer(Exchange::TimerId) override {}

    /// Milliseconds since `start` at which each chunk was written.
    std::vector<double> at;
    std::vector<std::string> chunks;
    Response head;
    bool whole = false;
    bool streamed = false;
    /// The stream was ended (end()) or cut (fail()).
    bool ended = false;
    bool cut = false;
    /// Writes after this many chunks fail (a client that went away); -1: never.
    int failAfter = -1;
    Clock::time_point start = Clock::now();

    std::string body() const;
};

/// An exchange with its sink, as the chain runner would set them up.
struct ProxyCall
{
    ProxyCall(const std::string& body, const std::map<std::string, std::string>& headers = {},
              const std::string& target = "/v1/chat/completions");
    TimedSink sink;
    std::unique_ptr<Exchange> exchange;

    int status() const { return exchange->response().status; }
    /// The buffered body, or the streamed chunks joined.
    std::string body() const;
    std::string header(const std::string& name) const;
};

/// An upstream config for tests: `url`, small timeouts and backoff unless overridden.
UpstreamConfig testUpstream(const std::string& url, const std::string& name = "default");

} // namespace portico::openai::test
