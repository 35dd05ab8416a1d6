#pragma once
/// GET <url>/models of the upstreams that take every model ("*"), all at once on an exchange's
/// event loop through the core's client; once every list is in, `done` gets them. An upstream
/// that cannot be listed (a failure, a status other than 200, a body without a "data" array, no
/// answer within its models_timeout_ms) gets its configured model names instead, after a
/// warning that says why.
///
/// Not a DeferredAnswer itself: ModelListCache runs one per event loop at a time, on the
/// exchange of the first request that needs the lists (the calls and their timers belong to
/// that exchange), and shares the result with the others that wait on the same loop.

#include "ProxyTarget.h"
#include "portico/Exchange.h"
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace portico::openai {

class ModelListFetch
{
public:
    /// `lists[i]` holds the ids of `targets[i]`; `complete` is false when any upstream had to
    /// fall back to its configured names. Runs inside a callback of the exchange's loop; the
    /// fetch must not be destroyed from within it.
    using Done = std::function<void(std::vector<std::vector<std::string>> lists, bool complete)>;

    explicit ModelListFetch(std::vector<const ProxyTarget*> targets);
    /// Abandons the calls still in flight (their connections are closed). While calls are in
    /// flight, destroy it no later than the task of the exchange given to start() (its cancel()
    /// or destructor): a call must not outlive its exchange. Once `done` has run it holds no
    /// call and no timer, and may outlive that exchange.
    ~ModelListFetch();
    ModelListFetch(const ModelListFetch&) = delete;
    ModelListFetch& operator=(const ModelListFetch&) = delete;

    /// Starts every listing on `exchange`'s loop (from one of its callbacks). `done` runs once
    /// every listing has ended: later, from the core's callbacks or a listing's timer (at once
    /// when there are no targets).
    void start(Exchange& exchange, Done done);

private:
    class Listing;

    /// One more listing has ended; the last one calls `done`.
    void listed();

    std::vector<const ProxyTarget*> targets_;
    Done done_;
    std::vector<std::shared_ptr<Listing>> listings_;
    std::size_t pending_ = 0;
};

/// The ids of an OpenAI model list ({"object":"list","data":[{"id":…},…]}); throws
/// Poco::Exception when the body is not one.
std::vector<std::string> parseModelIds(const std::string& body);

} // namespace portico::openai
