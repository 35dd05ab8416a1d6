#pragma once
/// The "*" upstreams' model lists as GET /v1/models (and /v1/models/{id}) need them: reused for
/// a while, and fetched (ModelListFetch) at most once at a time per event loop.
///
///  - A complete result is reused for ListTtl; one where an upstream fell back to its configured
///    names (it failed, or did not answer within its models_timeout_ms) for FallbackTtl, so an
///    upstream that is down or hangs costs a client that wait at most once in a while rather
///    than on every request.
///  - Coalescing: an exchange that needs the lists while a fetch is under way on its own event
///    loop waits for that fetch instead of starting another. The fetch runs on the exchange of
///    the first request (its calls and timers belong to that exchange); if that client goes away
///    first, its fetch is abandoned and the waiting exchanges start over (the first of them
///    fetches again, the others wait for it). Each loop fetches on its own: nothing crosses
///    loops but the cached result.
///
/// Thread-safe: exchanges of every loop use one cache.

#include "ProxyTarget.h"
#include "portico/Deferred.h"
#include "portico/Exchange.h"
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace portico::openai {

class ModelListCache
{
public:
    /// `lists[i]` holds the ids of `targets[i]`.
    using Lists = std::vector<std::vector<std::string>>;
    /// Answers the exchange with the lists (on its loop, from one of its callbacks).
    using Answer = std::function<void(Exchange&, const Lists&)>;

    static constexpr std::chrono::seconds ListTtl{10};
    static constexpr std::chrono::seconds FallbackTtl{5};

    /// `targets`: the upstreams to list (those with servesAll); they outlive the cache.
    explicit ModelListCache(std::vector<const ProxyTarget*> targets);
    ~ModelListCache();
    ModelListCache(const ModelListCache&) = delete;
    ModelListCache& operator=(const ModelListCache&) = delete;

    /// The lists, when a fetch that is still fresh has them.
    std::optional<Lists> fresh();
    /// A deferred answer that gets the lists (fresh ones at once, else by joining or starting
    /// the fetch of its loop) and then calls `answer`.
    std::unique_ptr<DeferredAnswer> wait(Answer answer);

private:
    class Flight;
    class Waiter;

    void store(const Lists& lists, bool complete);
    /// The flight under way on the calling thread's loop, or a new one.
    std::shared_ptr<Flight> flightHere();
    /// `flight` is over (landed or abandoned): the next waiter on its loop starts another.
    void forget(const Flight& flight);

    const std::vector<const ProxyTarget*> targets_;
    std::mutex mutex_;
    Lists lists_;
    std::chrono::steady_clock::time_point expires_;
    bool valid_ = false;
    /// A loop's thread runs only that loop: its id names the loop.
    std::map<std::thread::id, std::weak_ptr<Flight>> flights_;
};

} // namespace portico::openai
