#pragma once
// Walks one Exchange through a Chain, exactly as DESIGN.md's "request's path" says: request
// hooks in order (an answer stops the walk), the route's handler (or the core's 404/405/413),
// response-head hooks in reverse for every plugin whose request hook ran, the body observers,
// and the completion hooks, which always run. Every call into a plugin is wrapped: an exception
// becomes a 500 (or, once the answer is on the wire, a failed exchange) and a log line.
//
// Only the hooks: it neither sends bytes nor chooses threads (ExchangeRun does both).

#include "http/Chain.h"
#include "portico/Exchange.h"
#include "portico/Plugin.h"

namespace Poco {
class Logger;
}

namespace portico {

class ChainRunner
{
public:
    ChainRunner(const Chain& chain, Poco::Logger& logger) : chain_(chain), logger_(logger) {}

    /// Matches the route and records it on the exchange. Returns whether the request path
    /// (request hooks, handler) may block: a plugin of the chain or the route says so.
    bool route(Exchange& exchange);
    /// Request hooks, then the handler or the core's answer. Never throws.
    void runRequestPath(Exchange& exchange);
    /// For a request that could not be parsed or served (malformed head, too slow, server
    /// busy): the core answers `status` in OpenAI's error shape; no request hook or handler
    /// runs, but every plugin's response-head and completion hooks do.
    void answerWithoutRequest(Exchange& exchange, int status, const std::string& message, const std::string& code);

    /// Response-head hooks, in reverse order. True when the answer may go out as it is; false
    /// when a hook threw and the answer was replaced by a buffered 500 (a stream then must not
    /// begin).
    bool runHeadHooks(Exchange& exchange);
    void observeBody(Exchange& exchange, std::string_view chunk);
    void runCompletionHooks(Exchange& exchange, Outcome outcome);

    /// Replaces a not-yet-committed answer with a 500 after `who` threw (or only logs it when
    /// the answer is already on the wire). Marks the exchange failed.
    void answerWithServerError(Exchange& exchange, const std::string& who, const std::string& what);
    /// A hook, the handler or a deferred answer failed: the outcome will be Error.
    bool failed() const { return failed_; }
    void markFailed() { failed_ = true; }

    const Chain& chain() const { return chain_; }
    Poco::Logger& logger() const { return logger_; }

private:
    void runRequestHooks(Exchange& exchange);
    void runHandler(Exchange& exchange);

    const Chain& chain_;
    Poco::Logger& logger_;
    RouteTable::Match match_;
    std::size_t ran_ = 0; ///< how many request hooks ran (the response walk starts below it)
    bool failed_ = false;
};

/// The text of the exception being handled (inside a catch block).
std::string currentExceptionText();

} // namespace portico
