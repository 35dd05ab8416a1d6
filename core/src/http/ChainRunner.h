#pragma once
// Walks one Exchange through a Chain, exactly as DESIGN.md's "request's path" says:
// request hooks in order (an answer stops the walk), the route's handler (or the core's
// 404/405/413), response-head hooks in reverse for every plugin whose request hook ran, the
// body observers, the send, and the completion hooks, which always run.

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

    /// Runs everything and returns how the exchange ended. Never throws.
    Outcome run(Exchange& exchange, ResponseSink& sink);

    /// For a request that could not even be parsed (malformed head, too large, too slow): the
    /// core answers `status` in OpenAI's error shape; no request hook or handler runs, but every
    /// plugin's response-head and completion hooks do, so the answer carries the same headers as
    /// any other. Never throws.
    Outcome answerWithoutRequest(Exchange& exchange, ResponseSink& sink, int status, const std::string& message,
                                 const std::string& code);

private:
    void runRequestHooks(Exchange& exchange);
    void runHandler(Exchange& exchange, const RouteTable::Match& match);
    void runHeadHooks(Exchange& exchange);
    void observeBody(Exchange& exchange, std::string_view chunk);
    void runCompletionHooks(Exchange& exchange, Outcome outcome);
    /// Runs the head hooks, sends the buffered answer, runs the completion hooks.
    Outcome finish(Exchange& exchange, ResponseSink& sink);
    /// Replaces a not-yet-committed answer with a 500 after `who` threw.
    void answerWithServerError(Exchange& exchange, const std::string& who, const std::string& what);

    const Chain& chain_;
    Poco::Logger& logger_;
    std::size_t ran_ = 0; ///< how many request hooks ran (the response walk starts below it)
    bool failed_ = false;
};

} // namespace portico
