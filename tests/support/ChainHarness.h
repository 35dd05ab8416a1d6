#pragma once
// Drives an Exchange through a real Chain, ChainRunner and ExchangeRun in memory (a MemorySink
// instead of a socket), on an EventLoop that the test thread runs: deferred answers, streams
// paced by timers and their completion take the same path as in porticod, only without a
// socket and without worker threads (a blocking route runs on the test thread).

#include "MemorySink.h"
#include "event/EventLoop.h"
#include "http/Chain.h"
#include "portico/Exchange.h"
#include "portico/Plugin.h"
#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace portico::test {

/// A request as the core would build it: `target` may carry a query ("/x?a=1").
std::unique_ptr<Exchange> makeExchange(const std::string& method, const std::string& target,
                                       const std::map<std::string, std::string>& headers = {},
                                       const std::string& body = "");

/// Runs `exchange` through `chain` into `sink` on an EventLoop of its own (driven by the calling
/// thread) until its completion hooks have run, then hands the exchange back. For harnesses that
/// run requests from several threads, or from inside a handler.
Outcome runOnOwnLoop(const std::shared_ptr<const Chain>& chain, std::unique_ptr<Exchange>& exchange, MemorySink& sink,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

class ChainHarness
{
public:
    ChainHarness();
    ~ChainHarness();

    /// Appends a plugin to the chain (config order is the order of the calls).
    Plugin& add(const std::string& name, std::unique_ptr<Plugin> plugin);
    /// Registers a route as a plugin would; `owner` names it for the duplicate error.
    void route(const std::string& method, const std::string& pattern, RouteHandler handler,
               const std::string& owner = "test", Blocking blocking = Blocking::Never);
    Chain& chain() { return *chain_; }
    EventLoop& loop() { return loop_; }

    /// Runs `exchange` through the chain into `sink` until its completion hooks have run (or
    /// `timeout` passes: then it throws); returns how it ended. The exchange is handed back.
    /// When the sink's ready() turns true after being false, the run is told the client drained
    /// (ExchangeRun::writable), as a connection does when its queue falls below half the
    /// watermark: a test plays a slow client by making ready() false for a while.
    Outcome run(std::unique_ptr<Exchange>& exchange, MemorySink& sink,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));
    /// Like run() for a request the core could not parse: only head and completion hooks.
    Outcome runWithoutRequest(std::unique_ptr<Exchange>& exchange, MemorySink& sink, int status,
                              const std::string& message, const std::string& code);

    /// The result of one request run with a fresh Exchange and MemorySink.
    struct Result
    {
        std::unique_ptr<Exchange> exchange;
        MemorySink sink;
        Outcome outcome = Outcome::Completed;
        /// The head as sent (status, headers), whether buffered or streamed.
        const Response& head() const { return sink.sentHead; }
    };
    std::unique_ptr<Result> request(const std::string& method, const std::string& target,
                                    const std::map<std::string, std::string>& headers = {},
                                    const std::string& body = "");

private:
    template <typename Start>
    Outcome drive(std::unique_ptr<Exchange>& exchange, MemorySink& sink, std::chrono::milliseconds timeout,
                  Start start);

    EventLoop loop_;
    std::shared_ptr<Chain> chain_;
};

} // namespace portico::test
