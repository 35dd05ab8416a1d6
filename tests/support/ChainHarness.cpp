#include "ChainHarness.h"
#include "TestUpstreams.h"
#include "http/ExchangeRun.h"
#include "Poco/Exception.h"

namespace portico::test {

std::unique_ptr<Exchange> makeExchange(const std::string& method, const std::string& target,
                                       const std::map<std::string, std::string>& headers, const std::string& body)
{
    HeaderList requestHeaders;
    for (const auto& [name, value] : headers)
        requestHeaders.add(name, value);
    return std::make_unique<Exchange>(method, target, std::move(requestHeaders), body, "127.0.0.1:40000");
}

Outcome runOnOwnLoop(const std::shared_ptr<const Chain>& chain, std::unique_ptr<Exchange>& exchange, MemorySink& sink,
                     std::chrono::milliseconds timeout)
{
    EventLoop loop("portico-test");
    loop.runOnce(std::chrono::milliseconds(0)); // this thread owns it
    bool done = false;
    ExchangeRun run(RunEnvironment{loop}, chain, std::move(exchange), sink, [&done] { done = true; });
    run.start();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done)
    {
        if (std::chrono::steady_clock::now() > deadline)
            throw Poco::TimeoutException("the exchange did not end within the test's timeout");
        loop.runOnce(std::chrono::milliseconds(5));
    }
    const Outcome outcome = run.outcome();
    exchange = run.releaseExchange();
    dropUpstreamPools(loop);
    return outcome;
}

ChainHarness::ChainHarness() : loop_("portico-test"), chain_(std::make_shared<Chain>())
{
    loop_.runOnce(std::chrono::milliseconds(0)); // this thread owns the loop
}

ChainHarness::~ChainHarness()
{
    dropUpstreamPools(loop_);
}

Plugin& ChainHarness::add(const std::string& name, std::unique_ptr<Plugin> plugin)
{
    Plugin& added = *plugin;
    ChainLink link{name, "0.0.0-test", "(in-process " + name + ")", std::move(plugin)};
    link.blocking = added.blocking();
    if (link.blocking == Blocking::May)
        chain_->setMayBlock(true);
    chain_->links().push_back(std::move(link));
    return added;
}

void ChainHarness::route(const std::string& method, const std::string& pattern, RouteHandler handler,
                         const std::string& owner, Blocking blocking)
{
    chain_->routes().add(Route{method, pattern, std::move(handler), blocking}, owner);
}

template <typename Start>
Outcome ChainHarness::drive(std::unique_ptr<Exchange>& exchange, MemorySink& sink, std::chrono::milliseconds timeout,
                            Start start)
{
    bool done = false;
    ExchangeRun run(RunEnvironment{loop_}, chain_, std::move(exchange), sink, [&done] { done = true; });
    start(run);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool wasReady = sink.ready();
    while (!done)
    {
        if (std::chrono::steady_clock::now() > deadline)
            throw Poco::TimeoutException("the exchange did not end within the test's timeout");
        loop_.runOnce(std::chrono::milliseconds(5));
        // A sink that was over its high watermark and is ready again has drained, as a
        // connection's queue does: the stream's producer is told to go on.
        const bool ready = sink.ready();
        if (ready && !wasReady && !done)
            run.writable();
        wasReady = ready;
    }
    const Outcome outcome = run.outcome();
    exchange = run.releaseExchange();
    return outcome;
}

Outcome ChainHarness::run(std::unique_ptr<Exchange>& exchange, MemorySink& sink, std::chrono::milliseconds timeout)
{
    return drive(exchange, sink, timeout, [](ExchangeRun& run) { run.start(); });
}

Outcome ChainHarness::runWithoutRequest(std::unique_ptr<Exchange>& exchange, MemorySink& sink, int status,
                                        const std::string& message, const std::string& code)
{
    return drive(exchange, sink, std::chrono::seconds(30),
                 [&](ExchangeRun& run) { run.startWithoutRequest(status, message, code); });
}

std::unique_ptr<ChainHarness::Result> ChainHarness::request(const std::string& method, const std::string& target,
                                                           const std::map<std::string, std::string>& headers,
                                                           const std::string& body)
{
    auto result = std::make_unique<Result>();
    result->exchange = makeExchange(method, target, headers, body);
    result->outcome = run(result->exchange, result->sink);
    return result;
}

} // namespace portico::test
