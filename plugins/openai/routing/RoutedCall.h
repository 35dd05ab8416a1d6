#pragma once
/// One request for a model of the catalog, answered by one of its deployments: a deferred
/// answer on the event loop that makes attempts until one answers.
///
/// The order: deployments of the requested group as its strategy picks them (cooling ones and
/// those at their rpm/tpm skipped), then each of the group's fallbacks in order (their own
/// deployments; their fallbacks are not followed), then, while attempts remain, the same again
/// after a backoff. An attempt fails over on a connect failure, a timeout, an answer that broke
/// before anything reached the client, or a status in the group's fallback_on; on a 400
/// context_length_exceeded the group's context_fallbacks are tried instead. It never fails
/// over once anything reached the client (for a stream: its first event). The last attempt's
/// failure is answered as it is (the upstream's status and body, or the proxy's 502/504).
/// When every deployment is cooling down, the answer is 503 with Retry-After at once.
///
/// The answer carries X-Portico-Deployment (the deployment that answered, or failed last) and
/// X-Portico-Attempts (how many attempts were made).

#include "Router.h"
#include "upstream/ProxyCall.h"
#include "portico/Deferred.h"
#include "portico/Exchange.h"
#include <functional>
#include <memory>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace Poco {
class Logger;
}

namespace portico::openai {

/// The plugin's local models, as a local deployment uses them.
class LocalAnswers
{
public:
    virtual ~LocalAnswers() = default;
    /// Answers `exchange` from the request `body` (its model already the local deployment's):
    /// responds, or hands a task that answers later to `later`. A request the local model
    /// refuses is answered with its error here.
    virtual void answer(Exchange& exchange, const std::string& body,
                        const std::function<void(std::unique_ptr<DeferredAnswer>)>& later) = 0;
};

/// What a routed request needs besides its group.
struct RoutedRequest
{
    /// Below the upstream's URL: "/chat/completions".
    std::string apiPath;
    bool stream = false;
    /// The body as the client sent it (with the default model when it named none).
    std::string body;
    std::size_t maxJsonDepth = 64;
    /// The model the client asked for (for a pattern group: what its '*' matched goes into the
    /// deployments' models).
    std::string model;
};

inline constexpr const char* DeploymentHeader = "X-Portico-Deployment";
inline constexpr const char* AttemptsHeader = "X-Portico-Attempts";

class RoutedCall final : public DeferredAnswer, public AttemptObserver
{
public:
    RoutedCall(const Router& router, const ModelGroup& group, RoutedRequest request, LocalAnswers& local,
               Poco::Logger& logger);
    ~RoutedCall() override;

    void start(Exchange& exchange) override;
    void resume(Exchange& exchange) override;
    void cancel(Exchange& exchange) override;

    bool takeOver(const AttemptOutcome& outcome) override;
    void relaying() override;

private:
    using Clock = Router::Clock;

    /// Picks and starts the next attempt (a retry round when the plan is used up), or answers
    /// when there is none.
    void next();
    void attempt(Deployment& deployment);
    /// True when a deployment of the plan is available; `untried`: one not tried yet.
    bool available(Clock::time_point now, bool untried) const;
    /// The groups to try: `first` (when given), then `names` resolved, each group once.
    void plan(const ModelGroup* first, const std::vector<std::string>& names);
    std::chrono::milliseconds backoff() const;
    /// Every deployment of the plan is cooling or capped: 503 with Retry-After.
    void answerUnavailable();
    void onDeadline();
    /// The current attempt's verdict, in its state, metrics and gauge.
    void succeeded();
    void failed(std::chrono::milliseconds retryAfter);
    /// The current deployment's request is over: its in-flight count goes down.
    void release(std::int64_t tokens);
    const Router& router_;
    const ModelGroup& requested_;
    RoutedRequest request_;
    LocalAnswers& local_;
    Poco::Logger& logger_;
    Exchange* exchange_ = nullptr;

    /// The groups of the plan in order, and the one being tried.
    std::vector<const ModelGroup*> plan_;
    std::size_t planAt_ = 0;
    bool contextFallback_ = false;
    std::vector<const Deployment*> tried_;
    int attempts_ = 0;
    int rounds_ = 0;

    Deployment* current_ = nullptr;
    bool verdict_ = false; ///< the current attempt's outcome was recorded in its state
    bool probe_ = false;   ///< the current attempt is its deployment's half-open probe
    Clock::time_point attemptStarted_;
    std::unique_ptr<DeferredAnswer> child_;
    /// The last failure, for the answer when the plan runs dry after a lost race.
    std::string lastFailure_;
    /// What the requested pattern's '*' matched ("gpt-4o" of "openai/gpt-4o"); empty otherwise.
    std::string matched_;
    bool answerBegun_ = false;
    bool over_ = false;
};

} // namespace portico::openai
