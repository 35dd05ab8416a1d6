#pragma once
// What the proxy tests share: the openai plugin in a real chain (OpenAiHarness) whose [openai]
// section points at a fake upstream, one request run through it into a sink that timestamps
// each chunk and can play a slow client, the warnings the plugin logs, and the core client's
// pool for the harness's loop (to see connections opened, kept, resumed).

#include "OpenAiHarness.h"
#include "MemorySink.h"
#include "portico/Plugin.h"
#include "upstream/UpstreamPool.h"
#include "Poco/AutoPtr.h"
#include "Poco/Channel.h"
#include "Poco/Logger.h"
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace portico::openai::test {

/// The lines of an [openai] section with one upstream at `url` (models *), connect and read
/// timeouts of 1 and 2 s and a 20 ms retry backoff; `keys` ("upstream.retries" = "0") add to
/// or replace those.
std::string upstreamSection(const std::string& url, const std::map<std::string, std::string>& keys = {});

/// A MemorySink that notes when each chunk came and can play a client that stops draining.
class TimedSink : public portico::test::MemorySink
{
public:
    using Clock = std::chrono::steady_clock;

    bool writeChunk(std::string_view chunk) override;
    bool ready() const override { return isReady && (stallAfterChunks < 0 || written < stallAfterChunks); }

    /// Milliseconds since `start` at which each chunk was written.
    std::vector<double> at;
    Clock::time_point start = Clock::now();
    /// ready() turns false once this many chunks were written (a client over its high
    /// watermark) until it is set back to -1.
    long stallAfterChunks = -1;
    /// False: chunks are counted, not kept (for streams of many megabytes).
    bool keepChunks = true;
    long written = 0;
    std::size_t bytes = 0;
    std::string lastChunk;
};

struct ProxyResult
{
    std::unique_ptr<Exchange> exchange;
    TimedSink sink;
    Outcome outcome = Outcome::Completed;

    int status() const { return sink.sentHead.status; }
    const std::string& body() const { return sink.body; }
    std::string header(const std::string& name) const { return sink.sentHead.headers.get(name, ""); }
    std::string attribute(const AttributeKey& key) const { return exchange->get(key); }
};

/// Runs one request through `harness` (Content-Type: application/json unless `headers` says
/// otherwise); `prepare` may set the sink up first.
std::unique_ptr<ProxyResult> runRequest(OpenAiHarness& harness, const std::string& method, const std::string& target,
                                        const std::string& body,
                                        const std::map<std::string, std::string>& headers = {},
                                        const std::function<void(ProxyResult&)>& prepare = {});
/// POST /v1/chat/completions with `body`.
std::unique_ptr<ProxyResult> postChat(OpenAiHarness& harness, const std::string& body,
                                      const std::function<void(ProxyResult&)>& prepare = {});

/// The core client's pool for upstream `index` of `harness`'s config on the harness's loop.
std::shared_ptr<UpstreamPool> poolOf(OpenAiHarness& harness, std::size_t index = 0);

/// Keeps the warnings (and worse) that the openai plugin logs while it lives.
class CapturedWarnings
{
public:
    CapturedWarnings();
    ~CapturedWarnings();
    std::vector<std::string> warnings() const;

private:
    class Channel;
    Poco::AutoPtr<Channel> channel_;
    Poco::Logger& logger_;
    Poco::AutoPtr<Poco::Channel> previous_;
    int previousLevel_;
};

bool contains(const std::string& text, const std::string& part);
double msSince(std::chrono::steady_clock::time_point start);
/// An unused port: bound for a moment, then released.
unsigned short closedPort();
/// Chat stream events: `deltas` content chunks, a usage chunk (4 in, `deltas` out), [DONE].
std::vector<std::string> chatEvents(int deltas);

} // namespace portico::openai::test
