#include "ProxyTestSupport.h"
#include "TestUpstreams.h"
#include "UpstreamConfig.h"
#include "Poco/Message.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/SocketAddress.h"

namespace portico::openai::test {

std::string upstreamSection(const std::string& url, const std::map<std::string, std::string>& keys)
{
    std::map<std::string, std::string> all{{"upstream.url", url},
                                           {"upstream.connect_timeout_ms", "1000"},
                                           {"upstream.read_timeout_ms", "2000"},
                                           {"upstream.retry_backoff_ms", "20"}};
    for (const auto& [key, value] : keys)
        all[key] = value;
    std::string section;
    for (const auto& [key, value] : all)
        section += key + " = " + value + "\n";
    return section;
}

bool TimedSink::writeChunk(std::string_view chunk)
{
    if (failAfterChunks >= 0 && written >= failAfterChunks)
        return false;
    at.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    ++written;
    bytes += chunk.size();
    lastChunk.assign(chunk);
    if (!keepChunks)
        return true;
    return MemorySink::writeChunk(chunk);
}

std::unique_ptr<ProxyResult> runRequest(OpenAiHarness& harness, const std::string& method, const std::string& target,
                                        const std::string& body, const std::map<std::string, std::string>& headers,
                                        const std::function<void(ProxyResult&)>& prepare)
{
    std::map<std::string, std::string> all = headers;
    if (method == "POST" && !all.count("Content-Type"))
        all["Content-Type"] = "application/json";
    auto result = std::make_unique<ProxyResult>();
    result->exchange = portico::test::makeExchange(method, target, all, body);
    if (prepare)
        prepare(*result);
    result->sink.start = TimedSink::Clock::now();
    result->outcome = harness.chain().run(result->exchange, result->sink);
    return result;
}

std::unique_ptr<ProxyResult> postChat(OpenAiHarness& harness, const std::string& body,
                                      const std::function<void(ProxyResult&)>& prepare)
{
    return runRequest(harness, "POST", "/v1/chat/completions", body, {}, prepare);
}

std::shared_ptr<UpstreamPool> poolOf(OpenAiHarness& harness, std::size_t index)
{
    const auto upstreams = readUpstreamConfigs(harness.context().config());
    return portico::test::testUpstreams().pool(harness.chain().loop(), upstreams.at(index).endpoint);
}

class CapturedWarnings::Channel : public Poco::Channel
{
public:
    void log(const Poco::Message& message) override
    {
        if (message.getPriority() > Poco::Message::PRIO_WARNING)
            return;
        std::lock_guard<std::mutex> lock(mutex_);
        warnings_.push_back(message.getText());
    }

    std::vector<std::string> warnings() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return warnings_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> warnings_;
};

CapturedWarnings::CapturedWarnings()
    : channel_(new Channel), logger_(Poco::Logger::get("portico.openai")), previousLevel_(logger_.getLevel())
{
    previous_ = logger_.getChannel();
    logger_.setChannel(channel_);
    logger_.setLevel(Poco::Message::PRIO_INFORMATION);
}

CapturedWarnings::~CapturedWarnings()
{
    logger_.setChannel(previous_);
    logger_.setLevel(previousLevel_);
}

std::vector<std::string> CapturedWarnings::warnings() const
{
    return channel_->warnings();
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

double msSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

unsigned short closedPort()
{
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return socket.address().port();
}

std::vector<std::string> chatEvents(int deltas)
{
    std::vector<std::string> events;
    for (int i = 0; i < deltas; ++i)
        events.push_back(R"(data: {"object":"chat.completion.chunk","choices":[{"delta":{"content":"w)" +
                         std::to_string(i) + R"( "}}],"usage":null})" + "\n\n");
    events.push_back(R"(data: {"object":"chat.completion.chunk","choices":[],)"
                     R"("usage":{"prompt_tokens":4,"completion_tokens":)" +
                     std::to_string(deltas) + "}}\n\n");
    events.push_back("data: [DONE]\n\n");
    return events;
}

} // namespace portico::openai::test
