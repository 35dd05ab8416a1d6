#pragma once
// auth: every request outside auth.exempt must carry `Authorization: Bearer <key>` or
// `x-api-key: <key>` (what Anthropic's SDKs send) with a key from the keys file. The principal the key belongs to is put on the Exchange (attr::Principal)
// for ratelimit, idempotency, metrics and the access log. A missing or wrong key gets 401 in
// OpenAI's shape with `WWW-Authenticate: Bearer` (Anthropic's shape on /v1/messages*, where the
// core's respondError writes that shape).
//
// The keys file is read when the plugin is created, so a SIGHUP (which rebuilds the chain)
// re-reads it; a malformed file refuses the start or the reload, and the old keys stay in force.
// The offered key is never stored, answered or logged: only its SHA-256 digest is compared.
// A key that has verified is remembered (as a keyed 128-bit tag, see VerifiedKeyCache.h) so
// that its next requests skip the digest.

#include "AdminConfig.h"
#include "AuthConfig.h"
#include "KeyStore.h"
#include "SharedKeyCounters.h"
#include "VerifiedKeyCache.h"
#include "VirtualKeyMetrics.h"
#include "VirtualKeys.h"
#include "portico/Plugin.h"
#include "portico/PluginContext.h"
#include <memory>
#include <mutex>
#include <optional>
#include <set>

namespace portico::auth {

class AuthPlugin : public Plugin
{
public:
    /// Reads the config and the keys file. A malformed keys file throws ConfigError (with the
    /// line number). An unreadable one throws on a reload (keeping the running keys) and, on the
    /// first start, leaves the plugin not ready: it then answers 503 outside auth.exempt.
    explicit AuthPlugin(PluginContext& context);

    void onRequest(Exchange& exchange) override;
    void onResponseHead(Exchange& exchange) override;
    std::string notReadyReason() const override;
    void start() override;
    void stop() override;
    void describeApi(ApiDescription& api) const override;
    void onComplete(Exchange& exchange, Outcome outcome) override;
    /// Keys are checked in memory (the keys file is read when the chain is built); but with
    /// virtual keys, a request's spend is written to the ledger before it is settled
    /// (onComplete waits for the commit), which needs a worker thread.
    /// May only with counters in Redis (every virtual key's request asks Redis). Otherwise the
    /// hooks stay on the event loop, and a virtual key's request that can have usage asks for
    /// its completion on a worker (Exchange::completeOnWorker), where onComplete waits for its
    /// spend to be written.
    Blocking blocking() const override
    {
        return admin_.enabled && admin_.redisCounters ? Blocking::May : Blocking::Never;
    }

    /// The message of a 401 for a request without a Bearer key.
    static const char* const MissingKeyMessage;
    /// The message of a 401 for a request with a key that is not in the keys file.
    static const char* const WrongKeyMessage;
    /// The same two on Anthropic's Messages API (/v1/messages*), in Anthropic's words.
    static const char* const MissingAnthropicKeyMessage;
    static const char* const WrongAnthropicKeyMessage;

    /// What a request of a virtual key holds while it is served: its place among the key's
    /// requests in flight (given back when the exchange ends) and the rpm bucket's state for
    /// the x-ratelimit-*-requests headers; and whose spend the answer's usage is.
    struct KeyTicket
    {
        /// The virtual key's id, for its ledger entries.
        std::string keyId;
        std::shared_ptr<KeyLimiter> limiter;
        bool inFlight = false;
        std::int64_t rpm = 0;
        KeyLimiter::Decision rate;
        /// The key's tpm (0: none) and its token bucket when the request was admitted.
        std::int64_t tpm = 0;
        KeyLimiter::Decision tokens;
        /// The key has a budget: its spend is also added to the shared counter of this period.
        bool budgeted = false;
        BudgetPeriod budgetPeriod = BudgetPeriod::Total;
        ~KeyTicket()
        {
            if (inFlight)
                limiter->leave();
        }
    };

private:
    enum class Rejection
    {
        Missing,
        Wrong
    };
    /// The admin listener: the admin key, nothing else.
    void checkAdminKey(Exchange& exchange, std::optional<std::string_view> token);
    /// A key that is not in the keys file (`digest`: its SHA-256): a virtual key's policy, or 401.
    void checkVirtualKey(Exchange& exchange, const KeyStore::Digest& digest);
    /// The key's spend in its budget's period: this instance's view of the ledger, or the
    /// shared counter when it is higher (another instance's requests of the last moments).
    std::int64_t periodSpend(const ActiveKey& key) const;
    /// 429 rate_limit_exceeded for a key's rpm or tpm (`reason`), with its Retry-After.
    void refuseRate(Exchange& exchange, Refusal reason, std::int64_t limit, std::chrono::milliseconds wait) const;
    /// The rpm decision: shared when counters = redis (this instance's own while Redis is away).
    KeyLimiter::Decision takeRequest(const ActiveKey& key) const;
    /// The same for the tpm bucket: admitted while above zero; charged when the request completes.
    KeyLimiter::Decision admitTokens(const ActiveKey& key) const;
    void chargeTokens(const KeyTicket& ticket, std::int64_t tokens) const;
    /// Logs once per model that virtual keys use a model without a price.
    void warnUnpriced(const std::string& model) const;
    /// The admin API's routes (AdminApi.cpp).
    void addAdminRoutes(PluginContext& context);
    void reject(Exchange& exchange, Rejection why, const char* detail) const;
    /// The principal `key` belongs to in the keys file, or nullptr: from the cache, else by its
    /// digest, which is left in `digest` for the virtual keys' lookup.
    const std::string* principalFor(std::string_view key, std::optional<KeyStore::Digest>& digest) const;

    const AuthConfig config_;
    Poco::Logger& logger_;
    std::optional<KeyStore> keys_;
    /// Created with keys_; sized to the keys file (capped).
    std::unique_ptr<VerifiedKeyCache> verified_;
    std::string unreadable_;

    const AdminConfig admin_;
    /// The admin key's digest; empty when its file could not be read (adminUnavailable_ says why).
    std::optional<KeyStore::Digest> adminDigest_;
    std::string adminUnavailable_;
    /// Set with virtual keys; declared before virtualKeys_, whose refresh thread reports to it,
    /// so that it is destroyed after.
    std::unique_ptr<VirtualKeyMetrics> metrics_;
    /// Set when the config has [admin]; null when the store could not be opened at the first start
    /// (storeUnavailable_ says why; virtual keys then get 503).
    std::shared_ptr<VirtualKeys> virtualKeys_;
    std::string storeUnavailable_;
    /// [admin] counters = redis; null: each instance counts its own.
    std::unique_ptr<SharedKeyCounters> shared_;
    StateSlot<KeyTicket> ticket_;
    mutable std::mutex unpricedMutex_;
    mutable std::set<std::string> unpriced_;
};

} // namespace portico::auth
