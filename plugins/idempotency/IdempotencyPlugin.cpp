#include "IdempotencyPlugin.h"
#include "portico/BodyStream.h"
#include "IdempotencyKey.h"
#include "StoreRegistry.h"
#include "portico/Attributes.h"
#include "portico/Errors.h"
#include "portico/Json.h"
#include "Poco/Logger.h"
#include "Poco/String.h"
#include "prometheus/counter.h"

namespace portico::idempotency {

namespace {

const std::string KeyHeader = "Idempotency-Key";
/// The principal of a request that no auth plugin identified.
const std::string AnonymousPrincipal = "anonymous";

} // namespace

IdempotencyPlugin::IdempotencyPlugin(PluginContext& context)
    : config_(IdempotencyConfig::from(context.config())),
      logger_(context.logger()),
      metrics_(context.metrics()),
      store_(openStore(config_, context.config())),
      redisFailures_(config_.store == StoreKind::Redis
                         ? std::make_unique<RedisFailureReporter>(context.metrics(), context.logger(),
                                                                  context.config().section(), config_.redisFailure)
                         : nullptr),
      state_(context.stateSlot<RequestState>())
{
}

IdempotencyPlugin::~IdempotencyPlugin()
{
    stop();
}

void IdempotencyPlugin::start()
{
    std::lock_guard<std::mutex> lock(purgeMutex_);
    if (purger_.joinable())
        return;
    stopping_ = false;
    purger_ = std::thread([this] { purgeLoop(); });
}

void IdempotencyPlugin::stop()
{
    {
        std::lock_guard<std::mutex> lock(purgeMutex_);
        stopping_ = true;
    }
    purgeWake_.notify_all();
    if (purger_.joinable())
        purger_.join();
}

void IdempotencyPlugin::purgeLoop()
{
    std::unique_lock<std::mutex> lock(purgeMutex_);
    while (!purgeWake_.wait_for(lock, config_.purgeInterval, [this] { return stopping_; }))
    {
        lock.unlock();
        try
        {
            const std::size_t removed = store_->purge();
            if (removed > 0)
                logger_.debug("purged " + std::to_string(removed) + " expired idempotency entries");
        }
        catch (const std::exception& e)
        {
            metrics_.storeErrors.Increment();
            logger_.error("purging the " + store_->kind() + " idempotency store failed: " + describeException(e));
        }
        lock.lock();
    }
}

std::optional<std::string> IdempotencyPlugin::readKey(Exchange& exchange, std::string& headerValue)
{
    int count = 0;
    for (const auto& [name, value] : exchange.requestHeaders())
        if (Poco::icompare(name, KeyHeader) == 0 && count++ == 0)
            headerValue = Poco::trim(value);
    if (count == 0)
    {
        if (config_.requireKey)
        {
            metrics_.invalidKeys.Increment();
            exchange.set(VerdictAttribute, "missing_key");
            exchange.respondError(400,
                                  "The Idempotency-Key header is required for " + exchange.method() + " " +
                                      exchange.route() + ".",
                                  "invalid_request_error", "idempotency_key_required", KeyHeader);
        }
        return std::nullopt;
    }
    std::string problem;
    if (count > 1)
        problem = "send it once, not " + std::to_string(count) + " times";
    else
    {
        ParsedKey parsed = parseIdempotencyKey(headerValue);
        if (parsed.key)
            return parsed.key;
        problem = parsed.problem;
    }
    metrics_.invalidKeys.Increment();
    exchange.set(VerdictAttribute, "invalid_key");
    exchange.respondError(400, "Invalid Idempotency-Key header: " + problem + ".", "invalid_request_error",
                          "invalid_idempotency_key", KeyHeader);
    return std::nullopt;
}

void IdempotencyPlugin::onRequest(Exchange& exchange)
{
    // A streamed body (a pass-through route) is relayed as it arrives: there is no body to
    // fingerprint before the handler runs, so such a route is not covered and its
    // Idempotency-Key goes to the upstream, whose key it is.
    if (exchange.bodyTooLarge() || exchange.bodyStream() || !config_.covers(exchange.method(), exchange.route()))
        return;
    std::string headerValue;
    const std::optional<std::string> key = readKey(exchange, headerValue);
    if (!key)
        return;
    RequestState* state = &exchange.emplaceState(state_);
    state->headerValue = std::move(headerValue);

    const std::string& principal = exchange.get(attr::Principal, AnonymousPrincipal);
    state->storeKey = identityKey(principal, exchange.method() + " " + exchange.route(), *key);
    const std::string fingerprint = bodyFingerprint(exchange.body());
    BeginResult begun;
    try
    {
        begun = store_->begin(state->storeKey, fingerprint, config_.inFlightTtl);
    }
    catch (const RedisUnavailable& error)
    {
        if (!redisFailures_)
            throw;
        storeUnavailable(exchange, error);
        return;
    }
    catch (...)
    {
        metrics_.storeErrors.Increment();
        throw; // the core answers 500 and logs the reason
    }

    if (begun.state == BeginResult::State::Reserved)
    {
        metrics_.misses.Increment();
        state->verdict = Verdict::Miss;
        state->token = std::move(begun.token);
        exchange.set(VerdictAttribute, "miss");
    }
    else if (begun.fingerprint != fingerprint)
    {
        metrics_.conflicts.Increment();
        state->verdict = Verdict::Conflict;
        exchange.set(VerdictAttribute, "conflict");
        exchange.respondError(422,
                              "This Idempotency-Key was already used with a different request body. Use a new "
                              "key for a new request.",
                              "invalid_request_error", "idempotency_key_reused", KeyHeader);
    }
    else if (begun.state == BeginResult::State::InFlight)
    {
        metrics_.inFlightRejections.Increment();
        state->verdict = Verdict::InFlight;
        exchange.set(VerdictAttribute, "in_flight");
        exchange.respondError(409,
                              "A request with this Idempotency-Key is still being processed. Retry after it "
                              "completes to get its answer.",
                              "invalid_request_error", "idempotency_key_in_use", KeyHeader);
    }
    else
    {
        metrics_.hits.Increment();
        state->verdict = Verdict::Replayed;
        exchange.set(VerdictAttribute, "replayed");
        exchange.respond(begun.answer.status, std::move(begun.answer.body), std::move(begun.answer.contentType));
    }
    state->tracked = true;
}

Blocking IdempotencyPlugin::blocking() const
{
    return config_.store == StoreKind::Memory ? Blocking::Never : Blocking::May;
}

void IdempotencyPlugin::storeUnavailable(Exchange& exchange, const RedisUnavailable& error)
{
    if (redisFailures_->policy() == RedisFailurePolicy::FailOpen)
    {
        // Untracked: no verdict, no Idempotency-Key echo, nothing stored; a retry runs again.
        redisFailures_->report(error, "requests run without idempotency (no replay, no 409) until Redis answers");
        return;
    }
    redisFailures_->report(error, "requests with an Idempotency-Key are refused with 503 until Redis answers");
    exchange.respondError(503,
                          "Idempotency-Key requests are temporarily unavailable (the idempotency store cannot be "
                          "reached), so the request was not run. Retry it with the same key shortly.",
                          "server_error", "service_unavailable", KeyHeader);
}

void IdempotencyPlugin::onResponseHead(Exchange& exchange)
{
    RequestState* state = exchange.state(state_);
    if (!state || !state->tracked)
        return;
    Response& response = exchange.response();
    response.headers.set(KeyHeader, state->headerValue);
    if (state->verdict == Verdict::Replayed)
        response.headers.set("Idempotent-Replayed", "true");
    else if (state->verdict == Verdict::InFlight)
        response.headers.set("Retry-After", "1");
    else if (state->verdict == Verdict::Miss && response.source == AnswerSource::Handler && response.streamed)
    {
        // The head leaves before the stream's size is known, so the answer announces the limit:
        // a stream longer than this is not stored and a retry with the key runs again.
        state->recording = true;
        response.headers.set("Idempotency-Stream-Limit", std::to_string(config_.maxStreamBytes));
    }
}

void IdempotencyPlugin::onResponseBody(Exchange& exchange, std::string_view chunk)
{
    RequestState* state = exchange.state(state_);
    if (!state || !state->recording || state->overflow)
        return;
    if (state->recorded.size() + chunk.size() > config_.maxStreamBytes)
    {
        state->overflow = true;
        std::string().swap(state->recorded);
        return;
    }
    state->recorded.append(chunk.data(), chunk.size());
}

void IdempotencyPlugin::onComplete(Exchange& exchange, Outcome outcome)
{
    RequestState* state = exchange.state(state_);
    if (!state || !state->tracked || state->token.empty())
        return;
    try
    {
        settle(exchange, outcome, *state);
    }
    catch (const RedisUnavailable& error)
    {
        if (!redisFailures_)
            throw;
        // As for any store failure: the answer is not stored and the key is freed when Redis
        // lets us (else the marker's in_flight_ttl_seconds frees it), so that a retry runs.
        redisFailures_->report(error, "an answer was not stored for replay");
        try
        {
            store_->release(state->storeKey, state->token);
        }
        catch (...)
        {
            // Redis is unavailable: the in-flight marker's expiry frees the key.
        }
    }
    catch (const std::exception& e)
    {
        metrics_.storeErrors.Increment();
        logger_.error("idempotency store (" + store_->kind() + ") failed to settle " + exchange.method() + " " +
                      exchange.path() + ": " + describeException(e));
        try
        {
            store_->release(state->storeKey, state->token);
        }
        catch (...)
        {
            // The in-flight marker's expiry frees the key.
        }
    }
}

void IdempotencyPlugin::settle(Exchange& exchange, Outcome outcome, RequestState& state)
{
    const Response& response = exchange.response();
    prometheus::Counter* notStored = nullptr;
    if (response.source != AnswerSource::Handler)
        notStored = &metrics_.notStoredNotHandler; // 401/429 from an inner hook, the core's 500
    else if (response.streamed && outcome != Outcome::Completed)
        notStored = &metrics_.notStoredFailed; // a cut stream is not the answer
    else if (!response.streamed && outcome == Outcome::Error)
        notStored = &metrics_.notStoredFailed;
    else if (response.streamed && state.overflow)
    {
        notStored = &metrics_.notStoredStreamTooLarge;
        logger_.warning("not storing the stream of " + exchange.method() + " " + exchange.path() +
                        " for replay: it passed idempotency.max_stream_bytes (" +
                        std::to_string(config_.maxStreamBytes) + ")");
    }
    if (notStored)
    {
        notStored->Increment();
        store_->release(state.storeKey, state.token);
        return;
    }

    // A buffered answer is stored even when the client went away while it was being sent: the
    // handler did run, and a retry must get this answer, not run a second time.
    StoredAnswer answer;
    answer.status = response.status;
    answer.contentType = response.contentType;
    answer.body = response.streamed ? std::move(state.recorded) : response.body;
    switch (store_->complete(state.storeKey, state.token, answer, config_.ttl))
    {
    case CompleteResult::Stored:
        break;
    case CompleteResult::TooLarge:
        metrics_.notStoredTooLarge.Increment();
        logger_.warning("not storing the answer of " + exchange.method() + " " + exchange.path() + " (" +
                        std::to_string(answer.body.size()) + " bytes): larger than the " + store_->kind() +
                        " store holds");
        break;
    case CompleteResult::Lost:
        metrics_.notStoredLost.Increment();
        logger_.warning("not storing the answer of " + exchange.method() + " " + exchange.path() +
                        ": its in-flight marker expired (in_flight_ttl_seconds = " +
                        std::to_string(config_.inFlightTtl.count()) + ") and the key was taken over");
        break;
    }
}

} // namespace portico::idempotency
