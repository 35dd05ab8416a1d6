#include "RoutedCall.h"
#include "ModelRewrite.h"
#include "portico/Attributes.h"
#include "Poco/Logger.h"
#include "Poco/NumberParser.h"
#include <algorithm>
#include <random>

namespace portico::openai {

namespace {

std::int64_t attributeNumber(const Exchange& exchange, const AttributeKey& key)
{
    const std::string* text = exchange.find(key);
    Poco::Int64 value = 0;
    return text && Poco::NumberParser::tryParse64(*text, value) ? value : 0;
}

std::chrono::microseconds since(Router::Clock::time_point start)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(Router::Clock::now() - start);
}

} // namespace

RoutedCall::RoutedCall(const Router& router, const ModelGroup& group, RoutedRequest request, LocalAnswers& local,
                       Poco::Logger& logger)
    : router_(router), requested_(group), request_(std::move(request)), local_(local), logger_(logger)
{
}

RoutedCall::~RoutedCall()
{
    // The attempt's call first: destroying it closes an upstream connection still in use.
    child_.reset();
    if (current_ && exchange_)
        release(attributeNumber(*exchange_, attr::UsageInputTokens) +
                attributeNumber(*exchange_, attr::UsageOutputTokens));
}

void RoutedCall::start(Exchange& exchange)
{
    exchange_ = &exchange;
    if (requested_.config.pattern)
        matched_ = request_.model.substr(std::min(request_.model.size(), requested_.config.name.size() - 1));
    plan(&requested_, requested_.config.fallbacks);
    if (requested_.config.deadline.count() > 0)
    {
        const auto left = requested_.config.deadline -
                          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - exchange.startedAt());
        exchange.after(std::max(left, std::chrono::milliseconds(0)), [this] { onDeadline(); });
    }
    next();
}

void RoutedCall::plan(const ModelGroup* first, const std::vector<std::string>& names)
{
    plan_.clear();
    planAt_ = 0;
    const auto add = [this](const ModelGroup* group) {
        if (group && std::find(plan_.begin(), plan_.end(), group) == plan_.end())
            plan_.push_back(group);
    };
    add(first);
    for (const std::string& name : names)
        add(router_.fallback(name));
}

void RoutedCall::next()
{
    child_.reset(); // the failed attempt's call (not from within its own callbacks: see takeOver)
    if (over_)
        return;
    const auto now = Clock::now();
    for (int pass = 0; pass < 2; ++pass)
    {
        for (; planAt_ < plan_.size(); ++planAt_)
            if (Deployment* deployment = router_.pick(*plan_[planAt_], tried_, now, &probe_))
                return attempt(*deployment);
        if (attempts_ == 0 || attempts_ >= requested_.config.maxAttempts)
            break;
        // A retry round: the plan again from its start (takeOver waited the backoff).
        planAt_ = 0;
        tried_.clear();
        ++rounds_;
    }
    if (attempts_ == 0)
        return answerUnavailable();
    // Another request took the last available deployment between takeOver and now.
    over_ = true;
    exchange_->respondError(502, lastFailure_, "server_error", "upstream_error");
}

void RoutedCall::succeeded()
{
    const auto took = since(attemptStarted_);
    current_->state.succeeded(took, probe_);
    current_->metrics.firstByte->Observe(std::chrono::duration<double>(took).count());
    current_->publishState(Clock::now());
    verdict_ = true;
}

void RoutedCall::failed(std::chrono::milliseconds retryAfter)
{
    const auto now = Clock::now();
    current_->state.failed(now, retryAfter, probe_);
    current_->metrics.failures->Increment();
    current_->publishState(now);
    verdict_ = true;
}

void RoutedCall::attempt(Deployment& deployment)
{
    ++attempts_;
    tried_.push_back(&deployment);
    current_ = &deployment;
    verdict_ = false;
    attemptStarted_ = Clock::now();
    deployment.metrics.requests->Increment();
    deployment.publishState(attemptStarted_); // a probe shows as half-open
    HeaderList& headers = exchange_->response().headers;
    headers.set(DeploymentHeader, deployment.config.name);
    headers.set(AttemptsHeader, std::to_string(attempts_));
    std::string model = deployment.config.model;
    if (const std::size_t star = model.find('*'); star != std::string::npos)
        model.replace(star, 1, matched_);
    std::string body = withModel(request_.body, model, request_.maxJsonDepth);
    if (deployment.config.local())
    {
        // The local models do not fail: this attempt answers.
        answerBegun_ = true;
        succeeded();
        local_.answer(*exchange_, body, [this](std::unique_ptr<DeferredAnswer> task) {
            child_ = std::move(task);
            child_->start(*exchange_);
        });
        return;
    }
    AttemptSettings settings;
    settings.client = deployment.client.get();
    settings.body = std::move(body);
    settings.observer = this;
    child_ = std::make_unique<ProxyCall>(*deployment.target, request_.apiPath, request_.stream, std::move(settings));
    child_->start(*exchange_);
}

bool RoutedCall::takeOver(const AttemptOutcome& outcome)
{
    if (over_ || !current_)
        return false;
    const auto now = Clock::now();
    const GroupConfig& policy = requested_.config;
    bool moveOn = false;
    bool contextFull = false;
    std::chrono::milliseconds retryAfter{0};
    std::string what;
    if (outcome.failure)
    {
        moveOn = outcome.failure->retryElsewhere;
        what = outcome.failure->message;
    }
    else
    {
        const int status = outcome.status;
        contextFull = status == 400 && !contextFallback_ && !policy.contextFallbacks.empty() &&
                      outcome.body.find("context_length_exceeded") != std::string_view::npos;
        moveOn = !contextFull &&
                 std::find(policy.fallbackOn.begin(), policy.fallbackOn.end(), status) != policy.fallbackOn.end();
        if (status == 429 || status == 503)
            retryAfter = outcome.retryAfter;
        what = "upstream '" + current_->target->config.name + "' answered " + std::to_string(status);
    }
    if (!moveOn && !contextFull)
    {
        succeeded();
        return false;
    }
    // A context-length refusal is the request's, not the deployment's.
    if (moveOn)
        failed(retryAfter);
    else
        succeeded();
    if (contextFull)
    {
        contextFallback_ = true;
        plan(nullptr, policy.contextFallbacks);
    }
    const bool untried = available(now, true);
    if (attempts_ >= policy.maxAttempts || (!untried && !available(now, false)))
        return false; // nothing else to try: the client gets this answer as it is
    lastFailure_ = "model '" + requested_.config.name + "': deployment '" + current_->config.name + "' failed: " + what;
    if (requested_.failovers)
        requested_.failovers->Increment();
    if (long suppressed = 0; current_->mayWarn(now, suppressed))
        logger_.warning(lastFailure_ + "; trying " + (contextFull ? "the context fallbacks" : "another deployment") +
                        " (attempt " + std::to_string(attempts_ + 1) + " of at most " +
                        std::to_string(policy.maxAttempts) + ")" +
                        (suppressed > 0 ? "; " + std::to_string(suppressed) + " more such failures in the last seconds not logged"
                                        : std::string()));
    release(0);
    // The next attempt starts from the loop, not from inside the failed call's callback.
    exchange_->after(untried ? std::chrono::milliseconds(0) : backoff(), [this] { next(); });
    return true;
}

void RoutedCall::relaying()
{
    answerBegun_ = true;
    if (current_ && !verdict_)
        succeeded();
}

void RoutedCall::resume(Exchange& exchange)
{
    if (child_)
        child_->resume(exchange);
}

void RoutedCall::cancel(Exchange& exchange)
{
    over_ = true;
    if (child_)
        child_->cancel(exchange);
    if (current_ && !verdict_)
    {
        current_->state.abandoned(probe_);
        verdict_ = true;
    }
}

bool RoutedCall::available(Clock::time_point now, bool untried) const
{
    for (std::size_t i = untried ? planAt_ : 0; i < plan_.size(); ++i)
        for (const Deployment* deployment : plan_[i]->deployments)
            if (deployment->state.available(now) &&
                (!untried || std::find(tried_.begin(), tried_.end(), deployment) == tried_.end()))
                return true;
    return false;
}

std::chrono::milliseconds RoutedCall::backoff() const
{
    // As the core client's retries: a random time in [d/2, d], d = min(base * 2^round, 32 * base).
    std::chrono::milliseconds base(100);
    if (!tried_.empty() && tried_.back()->target)
        base = tried_.back()->target->config.endpoint.retryBackoff;
    const long long d = base.count() * std::min(1LL << std::min(rounds_, 5), 32LL);
    thread_local std::minstd_rand random(std::random_device{}());
    return std::chrono::milliseconds(d / 2 + (d > 1 ? static_cast<long long>(random() % static_cast<unsigned>(d / 2 + 1)) : 0));
}

void RoutedCall::answerUnavailable()
{
    over_ = true;
    Clock::time_point soonest{};
    for (const ModelGroup* group : plan_)
        for (const Deployment* deployment : group->deployments)
        {
            const auto until = deployment->state.coolingUntil();
            if (until != Clock::time_point{} && (soonest == Clock::time_point{} || until < soonest))
                soonest = until;
        }
    long long seconds = 1;
    if (soonest != Clock::time_point{})
        seconds = std::max(1LL, static_cast<long long>(
                                    std::chrono::ceil<std::chrono::seconds>(soonest - Clock::now()).count()));
    exchange_->response().headers.set("Retry-After", std::to_string(seconds));
    exchange_->response().headers.set(AttemptsHeader, "0");
    exchange_->respondError(503,
                            "model '" + requested_.config.name +
                                "': every deployment is cooling down after failures or at its rate limit; retry in " +
                                std::to_string(seconds) + " s",
                            "server_error", "model_unavailable");
}

void RoutedCall::onDeadline()
{
    if (over_ || answerBegun_ || exchange_->response().committed || exchange_->answered())
        return;
    over_ = true;
    child_.reset(); // abandons the attempt under way (its connection is closed)
    if (current_ && !verdict_)
        failed(std::chrono::milliseconds(0));
    exchange_->respondError(504,
                            "model '" + requested_.config.name + "': no deployment answered within deadline_ms = " +
                                std::to_string(requested_.config.deadline.count()) + " (" +
                                std::to_string(attempts_) + " attempts)",
                            "server_error", "upstream_timeout");
}

void RoutedCall::release(std::int64_t tokens)
{
    if (!current_)
        return;
    if (!verdict_)
        current_->state.abandoned(probe_);
    current_->state.finished(tokens);
    current_ = nullptr;
}

} // namespace portico::openai
