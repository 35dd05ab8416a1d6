#include "AuthPlugin.h"
#include "BearerToken.h"
#include "portico/AsciiCase.h"
#include "portico/Attributes.h"
#include "portico/Json.h"
#include "Poco/Logger.h"
#include <chrono>

namespace portico::auth {

namespace {

/// Longer "keys" are not hashed: no key we issue comes near this, and it bounds the work an
/// anonymous client can ask for.
constexpr std::size_t MaxKeyLength = 4096;

const std::string AuthorizationHeader = "Authorization";
const std::string ApiKeyHeader = "x-api-key";

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
    : config_(AuthConfig::from(context.config())), logger_(context.logger())
{
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
    return unreadable_;
}

void AuthPlugin::onRequest(Exchange& exchange)
{
    if (config_.isExempt(exchange.path()))
        return;
    if (!keys_)
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
    const std::string* principal = principalFor(*token);
    if (!principal)
        return reject(exchange, Rejection::Wrong, "the key is not in the keys file");
    exchange.set(attr::Principal, *principal);
}

const std::string* AuthPlugin::principalFor(std::string_view key) const
{
    const auto& entries = keys_->entries();
    if (const std::size_t cached = verified_->find(key); cached != VerifiedKeyCache::NotFound)
        return &entries[cached].principal;
    const std::size_t index = keys_->indexFor(key);
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
