#pragma once
// Drives an Exchange through a real Chain and ChainRunner in memory (a MemorySink instead of a
// socket), for unit tests of the chain and of plugins.

#include "MemorySink.h"
#include "http/Chain.h"
#include "portico/Exchange.h"
#include "portico/Plugin.h"
#include <map>
#include <memory>
#include <string>

namespace portico::test {

/// A request as the core would build it: `target` may carry a query ("/x?a=1").
std::unique_ptr<Exchange> makeExchange(const std::string& method, const std::string& target,
                                       const std::map<std::string, std::string>& headers = {},
                                       const std::string& body = "");

class ChainHarness
{
public:
    /// Appends a plugin to the chain (config order is the order of the calls).
    Plugin& add(const std::string& name, std::unique_ptr<Plugin> plugin);
    /// Registers a route as a plugin would; `owner` names it for the duplicate error.
    void route(const std::string& method, const std::string& pattern, RouteHandler handler,
               const std::string& owner = "test");
    Chain& chain() { return chain_; }

    /// Runs `exchange` through the chain into `sink`; returns how it ended.
    Outcome run(Exchange& exchange, MemorySink& sink);

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
    Chain chain_;
};

} // namespace portico::test
