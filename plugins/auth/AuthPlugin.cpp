#include "AuthPlugin.h"
#include "BearerToken.h"
#include "ConstantTime.h"
#include "Money.h"
#include "VirtualKeyJson.h"
#include "portico/AsciiCase.h"
#include "portico/Attributes.h"
#include "portico/Json.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include "Poco/Logger.h"
#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace portico::auth {

namespace {

/// Longer "keys" are not hashed: no key we issue comes near this, and it bounds the work an
/// anonymous client can ask for.
constexpr std::size_t MaxKeyLength = 4096;

const std::string AuthorizationHeader = "Authorization";
const std::string ApiKeyHeader = "x-api-key";

/// "450ms", "6s", "1m30s": OpenAI's way of writing x-ratelimit-reset-requests.
std::string resetDuration(std::chrono::milliseconds wait)
{
    const long long ms = wait.count();
    if (ms < 1000)
        return std::to_string(ms < 0 ? 0 : ms) + "ms";
    const long long minutes = ms / 60'000, seconds = ms / 1000 % 60, fraction = ms % 1000;
    std::string out = minutes ? std::to_string(minutes) + "m" : std::string();
    out += std::to_string(seconds);
    if (fraction)
    {
        std::string digits = std::to_string(1000 + fraction).substr(1);
        while (digits.back() == '0')
            digits.pop_back();
        out += "." + digits;
    }
    return out + "s";
}

/// The "model" member of a JSON request body, or empty (no body, not JSON, no string model).
/// Read as the openai plugin reads it when it parses a body in full (Poco: escapes decoded, the
/// last of duplicate members), so both see the same model.
std::string requestedModel(const std::string& body)
{
    if (body.empty())
        return {};
    try
    {
        const Poco::Dynamic::Var parsed = Poco::JSON::Parser().parse(body);
        if (parsed.type() != typeid(Poco::JSON::Object::Ptr))
            return {};
        const Poco::Dynamic::Var model = parsed.extract<Poco::JSON::Object::Ptr>()->get("model");
        return model.isString() ? model.extract<std::string>() : std::string();
    }
    catch (const std::exception&)
    {
        return {}; // the handler answers a malformed body with its own 400
    }
}

} // namespace

// OpenAI's own wording, so that SDKs and users see what they know.
const char* const AuthPlugin::MissingKeyMessage =
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
    "auth (i.e. Authorization: Bearer YOUR_KEY).";
const char* const AuthPlugin::WrongKeyMessage = "Incorrect API key provided.";
// Anthropic's wording, for its Messages API (/v1/messages*).
const char* const AuthPlugin::MissingAnthropicKeyMessage = "x-api-key header is required";
const char* const AuthPlugin::WrongAnthropicKeyMessage = "invalid x-api-key";

AuthPlugin::AuthPlugin(PluginContext& context)
    : config_(AuthConfig::from(context.config())),
      logger_(context.logger()),
      admin_(AdminConfig::from(context.config())),
      ticket_(context.stateSlot<KeyTicket>())
{
    if (admin_.enabled)
    {
        metrics_ = std::make_unique<VirtualKeyMetrics>(context.metrics(), logger_);
        // The admin key and the store do not decide whether the keys file's keys work: a
        // problem with either is logged and answered (503) where it matters.
        if (admin_.servesApi)
            try
            {
                adminDigest_ = readAdminKeyDigest(admin_.keyFile);
            }
            catch (const std::exception& e)
            {
                adminUnavailable_ = e.what();
                logger_.error(adminUnavailable_ + ": the admin API answers 503 until a reload can read it");
            }
        try
        {
            virtualKeys_ = std::make_shared<VirtualKeys>(admin_, logger_);
            if (context.reloading() && !virtualKeys_->loaded())
                throw std::runtime_error(virtualKeys_->unavailableReason());
            virtualKeys_->setMetrics(metrics_.get());
        }
        catch (const std::exception& e)
        {
            if (context.reloading())
                throw ConfigError(std::string(e.what()) + "; keeping the keys in force");
            storeUnavailable_ = e.what();
            logger_.error(storeUnavailable_ + ": virtual keys get 503 until a reload can open it");
        }
        if (admin_.redisCounters)
            shared_ = std::make_unique<SharedKeyCounters>(admin_.redis);
        if (admin_.servesApi)
            addAdminRoutes(context);
    }
    const auto loadStarted = std::chrono::steady_clock::now();
    try
    {
        keys_ = KeyStore::load(config_.keysFile);
    }
    catch (const KeyFileUnreadable& e)
    {
        if (context.reloading())
            throw ConfigError(std::string(e.what()) + "; keeping the keys in force");
        unreadable_ = e.what();
        logger_.error(unreadable_ + ": not ready, requests that need a key get 503");
        return;
    }
    verified_ = std::make_unique<VerifiedKeyCache>(keys_->size());
    if (keys_->size() == 0)
        logger_.warning("keys file " + config_.keysFile + " lists no keys: every request outside auth.exempt gets 401");
    else
    {
        // The time tells an operator what a start or a reload with a big keys file costs.
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                              loadStarted);
        logger_.information("loaded " + std::to_string(keys_->size()) + " key(s) from " + config_.keysFile + " in " +
                            std::to_string(ms.count()) + " ms");
    }
}

std::string AuthPlugin::notReadyReason() const
{
    if (!unreadable_.empty())
        return unreadable_;
    if (virtualKeys_ && !virtualKeys_->loaded())
        return virtualKeys_->unavailableReason();
    return storeUnavailable_;
}

void AuthPlugin::start()
{
    if (virtualKeys_)
        virtualKeys_->start();
}

void AuthPlugin::stop()
{
    if (virtualKeys_)
        virtualKeys_->stop();
}

void AuthPlugin::onRequest(Exchange& exchange)
{
    const bool admin = exchange.listener() == Listener::Admin;
    if (!admin && config_.isExempt(exchange.path()))
        return;
    if (!admin && !keys_)
    {
        exchange.respondError(503, "The server cannot check API keys right now (its keys file is unreadable).",
                              "server_error", "keys_unavailable");
        return;
    }
    // One pass over the request headers (equalsIgnoringCase compares the lengths first). The key
    // comes in `Authorization: Bearer <key>` (OpenAI's SDKs) or `x-api-key: <key>` (Anthropic's).
    const std::string* authorization = nullptr;
    const std::string* apiKey = nullptr;
    int count = 0;
    int apiKeyCount = 0;
    for (const auto& [name, value] : exchange.requestHeaders())
        if (equalsIgnoringCase(name, AuthorizationHeader))
        {
            authorization = &value;
            ++count;
        }
        else if (equalsIgnoringCase(name, ApiKeyHeader))
        {
            apiKey = &value;
            ++apiKeyCount;
        }
    if (count == 0 && apiKeyCount == 0)
        return reject(exchange, Rejection::Missing, "no Authorization or x-api-key header");
    // Two credential headers of one kind are ambiguous: a proxy may have added one. Accept neither.
    if (count > 1)
        return reject(exchange, Rejection::Wrong, "more than one Authorization header");
    if (admin)
        return checkAdminKey(exchange, authorization ? bearerToken(*authorization) : std::nullopt);
    if (apiKeyCount > 1)
        return reject(exchange, Rejection::Wrong, "more than one x-api-key header");
    std::optional<std::string_view> token;
    if (authorization)
    {
        token = bearerToken(*authorization);
        if (!token && !apiKey)
            return reject(exchange, Rejection::Missing, "the Authorization header holds no Bearer credential");
    }
    if (apiKey)
    {
        // Both headers (an Anthropic client given a key and a token) must hold the same key.
        if (token && *token != std::string_view(*apiKey))
            return reject(exchange, Rejection::Wrong, "the Authorization and x-api-key headers differ");
        token = std::string_view(*apiKey);
        if (token->empty())
            return reject(exchange, Rejection::Missing, "the x-api-key header is empty");
    }
    if (token->size() > MaxKeyLength)
        return reject(exchange, Rejection::Wrong, "the key is too long");
    std::optional<KeyStore::Digest> digest;
    const std::string* principal = principalFor(*token, digest);
    if (principal)
        return exchange.set(attr::Principal, *principal);
    if (admin_.enabled)
        return checkVirtualKey(exchange, *digest);
    reject(exchange, Rejection::Wrong, "the key is not in the keys file");
}

void AuthPlugin::checkAdminKey(Exchange& exchange, std::optional<std::string_view> token)
{
    if (!adminDigest_)
    {
        exchange.respondError(503, "The admin API is unavailable: its admin key file cannot be read.", "server_error",
                              "admin_key_unavailable");
        return;
    }
    if (!token || token->empty())
        return reject(exchange, Rejection::Missing, "no admin key (Authorization: Bearer)");
    if (token->size() > MaxKeyLength)
        return reject(exchange, Rejection::Wrong, "the admin key is too long");
    const KeyStore::Digest offered = KeyStore::digestOf(*token);
    if (!constantTimeEquals(offered.data(), adminDigest_->data(), offered.size()))
        return reject(exchange, Rejection::Wrong, "not the admin key");
    exchange.set(attr::Principal, "admin");
}

void AuthPlugin::checkVirtualKey(Exchange& exchange, const KeyStore::Digest& digest)
{
    if (!virtualKeys_ || !virtualKeys_->loaded())
    {
        exchange.respondError(503, "The server cannot check API keys right now (its key store cannot be opened).",
                              "server_error", "keys_unavailable");
        return;
    }
    // The snapshot stays alive while this request looks at it, whatever a refresh swaps in.
    const std::shared_ptr<const VirtualKeyIndex> index = virtualKeys_->index();
    const ActiveKey* key = index->find(digest);
    if (!key)
        return reject(exchange, Rejection::Wrong, "the key is neither in the keys file nor a virtual key");
    const VirtualKey& policy = key->policy;
    // Each refusal says which rule refused, never the key.
    if (policy.revokedAt)
    {
        metrics_->refused(Refusal::Revoked);
        exchange.respondError(401, "This API key was revoked at " + rfc3339(policy.revokedAt) + ".",
                              "invalid_request_error", "revoked_api_key");
        exchange.response().headers.set("WWW-Authenticate", "Bearer");
        return;
    }
    if (policy.expired(unixSeconds()))
    {
        metrics_->refused(Refusal::Expired);
        exchange.respondError(401, "This API key expired at " + rfc3339(policy.expiresAt) + ".",
                              "invalid_request_error", "expired_api_key");
        exchange.response().headers.set("WWW-Authenticate", "Bearer");
        return;
    }
    // A key limited to some models may send a body only when it names one of them: a body that
    // names none (the openai plugin would fill in its default model), that is no JSON object, or
    // that streams past unread (a pass-through route) could reach any model.
    if (!policy.models.empty() && (exchange.bodyStream() || !exchange.body().empty()))
    {
        const std::string model = exchange.bodyStream() ? std::string() : requestedModel(exchange.body());
        if (model.empty())
        {
            metrics_->refused(Refusal::Model);
            exchange.respondError(403,
                                  "This API key is limited to some models, and this request names none of them "
                                  "(its body has no \"model\", or is not read by the gateway).",
                                  "invalid_request_error", "model_not_allowed", "model");
            return;
        }
        if (!policy.allowsModel(model))
        {
            metrics_->refused(Refusal::Model);
            exchange.respondError(403, "This API key is not allowed to use the model '" + model + "'.",
                                  "invalid_request_error", "model_not_allowed", "model");
            return;
        }
    }
    const std::int64_t spent = policy.budgetMicros > 0 ? periodSpend(*key) : 0;
    if (policy.budgetMicros > 0 && spent >= policy.budgetMicros * PicoPerMicro)
    {
        metrics_->refused(Refusal::Budget);
        // OpenAI's status, type and code for a spent quota (what SDKs and users know).
        const std::string period =
            policy.budgetPeriod == BudgetPeriod::Total ? std::string() : std::string(" per ") + budgetPeriodName(policy.budgetPeriod);
        exchange.respondError(429,
                              "This API key's budget of $" + formatMicros(policy.budgetMicros) + period + " is spent ($" +
                                  formatMicros(picoToMicros(spent)) + ").",
                              "insufficient_quota", "insufficient_quota");
        return;
    }
    KeyTicket& ticket = exchange.emplaceState(ticket_);
    ticket.keyId = policy.id;
    ticket.limiter = key->limiter;
    ticket.budgeted = policy.budgetMicros > 0;
    ticket.budgetPeriod = policy.budgetPeriod;
    // Tokens before requests: a request the tpm holds back uses none of the rpm.
    if (policy.tpm > 0)
    {
        ticket.tpm = policy.tpm;
        ticket.tokens = admitTokens(*key);
        if (!ticket.tokens.admitted)
            return refuseRate(exchange, Refusal::Tpm, policy.tpm, ticket.tokens.wait);
    }
    if (policy.rpm > 0)
    {
        ticket.rpm = policy.rpm;
        ticket.rate = takeRequest(*key);
        if (!ticket.rate.admitted)
            return refuseRate(exchange, Refusal::Rpm, policy.rpm, ticket.rate.wait);
    }
    if (policy.maxInFlight > 0)
    {
        if (!key->limiter->enter(policy.maxInFlight))
        {
            metrics_->refused(Refusal::InFlight);
            exchange.respondError(429,
                                  "Too many requests in flight for this API key: limit " +
                                      std::to_string(policy.maxInFlight) + " at once.",
                                  "requests", "max_in_flight_exceeded");
            exchange.response().headers.set("Retry-After", "1");
            return;
        }
        ticket.inFlight = true;
    }
    exchange.set(attr::Principal, policy.id);
    // Only a request with a body can have usage (a spend to wait for when it completes).
    if (exchange.bodyStream() || !exchange.body().empty())
        exchange.completeOnWorker();
    if (!key->allowedModels.empty())
        exchange.set(attr::AllowedModels, key->allowedModels); // GET /v1/models lists only these
}

void AuthPlugin::refuseRate(Exchange& exchange, Refusal reason, std::int64_t limit,
                            std::chrono::milliseconds wait) const
{
    metrics_->refused(reason);
    const char* const what = reason == Refusal::Tpm ? "tokens" : "requests";
    exchange.respondError(429,
                          std::string("Rate limit reached for ") + what + " per minute of this API key: limit " +
                              std::to_string(limit) + " per minute.",
                          what, "rate_limit_exceeded");
    const long long seconds = (wait.count() + 999) / 1000;
    exchange.response().headers.set("Retry-After", std::to_string(seconds < 1 ? 1 : seconds));
}

void AuthPlugin::onComplete(Exchange& exchange, Outcome)
{
    const KeyTicket* ticket = exchange.state(ticket_);
    if (!ticket || !virtualKeys_)
        return;
    // Usage is set by the openai plugin when the answer had some (streams included, whatever
    // the outcome); a request without usage spent nothing.
    const std::string* input = exchange.find(attr::UsageInputTokens);
    const std::string* output = exchange.find(attr::UsageOutputTokens);
    const std::string* model = exchange.find(attr::Model);
    if (!model || !(input || output))
        return;
    const auto count = [](const std::string* text) -> std::int64_t {
        return text ? std::strtoll(text->c_str(), nullptr, 10) : 0;
    };
    SpendEntry entry;
    entry.keyId = ticket->keyId;
    entry.model = *model;
    entry.day = dayOf(unixSeconds());
    entry.inputTokens = count(input);
    entry.outputTokens = count(output);
    entry.cachedInputTokens = count(exchange.find(attr::UsageCachedInputTokens));
    if (ticket->tpm > 0)
        chargeTokens(*ticket, entry.inputTokens + entry.outputTokens);
    if (const PriceTable::Price* price = virtualKeys_->prices().find(*model))
        entry.costPico = PriceTable::costPico(*price, entry.inputTokens, entry.cachedInputTokens, entry.outputTokens);
    else
        warnUnpriced(*model);
    const std::int64_t cost = entry.costPico;
    if (!shared_ && !exchange.completesOnWorker())
    {
        // On the event loop (a body-less request that still had usage): the spend is queued for
        // the writer, not waited for.
        virtualKeys_->ledger().recordLater(std::move(entry));
        ticket->limiter->addSpend(cost);
        return;
    }
    if (!virtualKeys_->ledger().record(std::move(entry)))
    {
        metrics_->ledgerFailed();
        return;
    }
    ticket->limiter->addSpend(cost);
    if (shared_ && ticket->budgeted && cost > 0)
        try
        {
            shared_->addSpend(ticket->keyId, periodStart(ticket->budgetPeriod, unixSeconds()), cost);
        }
        catch (const RedisUnavailable&)
        {
            // The ledger has it; the other instances read it from there within refresh_ms.
        }
}

std::int64_t AuthPlugin::periodSpend(const ActiveKey& key) const
{
    std::int64_t spent = key.limiter->periodSpendPico();
    if (shared_)
        try
        {
            spent = std::max(spent, shared_->spent(key.policy.id, periodStart(key.policy.budgetPeriod, unixSeconds())));
        }
        catch (const RedisUnavailable&)
        {
            // This instance's view of the ledger (refreshed every refresh_ms) decides meanwhile.
        }
    return spent;
}

KeyLimiter::Decision AuthPlugin::admitTokens(const ActiveKey& key) const
{
    if (shared_)
        try
        {
            return shared_->admitTokens(key.policy.id, key.policy.tpm);
        }
        catch (const RedisUnavailable&)
        {
        }
    return key.limiter->admitTokens(key.policy.tpm, KeyLimiter::Clock::now());
}

void AuthPlugin::chargeTokens(const KeyTicket& ticket, std::int64_t tokens) const
{
    if (shared_)
        try
        {
            return shared_->chargeTokens(ticket.keyId, ticket.tpm, tokens);
        }
        catch (const RedisUnavailable&)
        {
        }
    ticket.limiter->chargeTokens(ticket.tpm, tokens, KeyLimiter::Clock::now());
}

KeyLimiter::Decision AuthPlugin::takeRequest(const ActiveKey& key) const
{
    if (shared_)
        try
        {
            return shared_->takeRequest(key.policy.id, key.policy.rpm);
        }
        catch (const RedisUnavailable&)
        {
            // Each instance's own bucket while Redis is away (the pool logs the outage).
        }
    return key.limiter->takeRequest(key.policy.rpm, KeyLimiter::Clock::now());
}

void AuthPlugin::warnUnpriced(const std::string& model) const
{
    std::lock_guard<std::mutex> lock(unpricedMutex_);
    if (unpriced_.size() < 1000 && unpriced_.insert(model).second)
        logger_.warning("virtual keys use model '" + model +
                        "', which has no price ([admin] prices." + model + ".input/.output): it is counted at $0");
}

void AuthPlugin::onResponseHead(Exchange& exchange)
{
    const KeyTicket* ticket = exchange.state(ticket_);
    if (!ticket)
        return;
    // The key's own limits: more specific than the ratelimit plugin's, so they are what these say.
    auto& headers = exchange.response().headers;
    if (ticket->rpm > 0)
    {
        headers.set("x-ratelimit-limit-requests", std::to_string(ticket->rpm));
        headers.set("x-ratelimit-remaining-requests", std::to_string(ticket->rate.remaining));
        headers.set("x-ratelimit-reset-requests", resetDuration(ticket->rate.wait));
    }
    if (ticket->tpm > 0)
    {
        headers.set("x-ratelimit-limit-tokens", std::to_string(ticket->tpm));
        headers.set("x-ratelimit-remaining-tokens", std::to_string(ticket->tokens.remaining));
        headers.set("x-ratelimit-reset-tokens", resetDuration(ticket->tokens.wait));
    }
}

const std::string* AuthPlugin::principalFor(std::string_view key, std::optional<KeyStore::Digest>& digest) const
{
    const auto& entries = keys_->entries();
    if (const std::size_t cached = verified_->find(key); cached != VerifiedKeyCache::NotFound)
        return &entries[cached].principal;
    digest = KeyStore::digestOf(key);
    const std::size_t index = keys_->indexForDigest(*digest);
    if (index == KeyStore::NotFound)
        return nullptr; // wrong keys are never cached
    verified_->remember(key, index);
    return &entries[index].principal;
}

void AuthPlugin::reject(Exchange& exchange, Rejection why, const char* detail) const
{
    // On Anthropic's Messages API the core writes Anthropic's error shape (authentication_error,
    // portico/Json.h isAnthropicApiPath); the wording is Anthropic's too.
    const bool anthropic = isAnthropicApiPath(exchange.path());
    exchange.respondError(401,
                          why == Rejection::Missing ? (anthropic ? MissingAnthropicKeyMessage : MissingKeyMessage)
                                                    : (anthropic ? WrongAnthropicKeyMessage : WrongKeyMessage),
                          "invalid_request_error", "invalid_api_key");
    exchange.response().headers.set("WWW-Authenticate", "Bearer");
    // Never the offered key. The target is logged as sent, query included, because that is what
    // one needs to find a misconfigured client; secrets a client put there are the redaction
    // plugin's job.
    if (logger_.debug())
    {
        const std::string target = exchange.path() + (exchange.query().empty() ? "" : "?" + exchange.query());
        logger_.debug("401 for " + exchange.method() + " " + target + " from " + exchange.clientAddress() + ": " +
                      detail);
    }
}

} // namespace portico::auth
