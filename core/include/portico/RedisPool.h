#pragma once
/// Redis for plugins that share state across a fleet of porticod (ratelimit, idempotency): the
/// [redis] settings, one process-wide connection pool per distinct settings, Lua scripts called
/// with EVALSHA, and what a plugin does when Redis cannot be reached.
///
///     std::shared_ptr<RedisPool> pool = redisPool(context.config());   // in the constructor
///     RedisReply reply = pool->execute(Poco::Redis::Array() << "GET" << key);
///
/// Threads: every call blocks its thread (a socket round trip, up to the timeouts below, and
/// notReady checks send a PING). Call it only from the hooks of a plugin whose blocking() is
/// Blocking::May, which the core runs on worker threads; never from an event loop (a
/// Blocking::Never plugin, a DeferredAnswer, an upstream handler, a timer).
///
/// Failure model: every call is bounded by redis.connect_timeout_ms / redis.command_timeout_ms.
/// When a connection or a command fails, the pool marks Redis down and, for the next 250 ms,
/// fails every call at once (RedisUnavailable) instead of letting each request wait for a dead
/// server; after that, one caller at a time tries again, so the pool reconnects by itself when
/// Redis returns. The pool logs (logger "portico.redis") once when Redis goes away and once when
/// it is back; plugins count their own failures with RedisFailureReporter.
///
/// [redis] keys (validated when the config is loaded and when a plugin asks for the pool; an
/// unknown key is an error naming it):
///   url                = redis://HOST[:PORT][/DB]   (default redis://127.0.0.1:6379/0)
///   password_file      = file holding the password for AUTH (default: none)
///   connect_timeout_ms = 250     command_timeout_ms = 250     pool_size = 16

#include "portico/Api.h"
#include "portico/PluginConfig.h"
#include "Poco/Redis/Array.h"
#include "Poco/Redis/Type.h"
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace Poco {
class Logger;
}

namespace prometheus {
class Counter;
class Registry;
} // namespace prometheus

namespace portico {

/// The [redis] section, parsed and validated.
struct PORTICO_API RedisSettings
{
    std::string url = "redis://127.0.0.1:6379/0";
    std::string host = "127.0.0.1";
    unsigned short port = 6379;
    int database = 0;
    /// From password_file (trailing whitespace removed); empty: no AUTH. Never logged.
    std::string password;
    std::chrono::milliseconds connectTimeout{250};
    std::chrono::milliseconds commandTimeout{250};
    std::size_t poolSize = 16;

    /// Reads every key of `section` (a PluginConfig over the "redis" section); throws
    /// ConfigError naming the file and key for a bad value or an unknown key.
    static RedisSettings from(const PluginConfig& section);

    /// "HOST:PORT/DB", for messages.
    std::string address() const;
    /// What tells two pools apart: every setting (the password as a hash).
    std::string identity() const;
};

/// Redis could not serve a call: unreachable, too slow, refusing (LOADING, OOM, ...), every
/// connection busy, or an answer the caller did not expect. The message says which.
class PORTICO_API RedisUnavailable : public std::runtime_error
{
public:
    /// `outage` numbers the outage this failure belongs to (1, 2, ... as Redis goes away and
    /// comes back); 0 for a failure while Redis is otherwise reachable (a refused command, a
    /// busy pool). `mayHaveRun`: the command was sent and no answer came (a timeout, a
    /// connection lost mid-call), so Redis may still have run it, or run it later.
    RedisUnavailable(const std::string& what, std::uint64_t outage, bool mayHaveRun = false);
    std::uint64_t outage() const { return outage_; }
    bool mayHaveRun() const { return mayHaveRun_; }

private:
    std::uint64_t outage_;
    bool mayHaveRun_;
};

using RedisReply = Poco::Redis::RedisType::Ptr;

/// A Lua script, run with EVALSHA (its SHA-1 computed here); SCRIPT LOAD on its first use and
/// EVAL when Redis answers NOSCRIPT (a restarted or flushed server).
class PORTICO_API RedisScript
{
public:
    explicit RedisScript(std::string source);
    const std::string& source() const { return source_; }
    const std::string& sha1() const { return sha1_; }

private:
    friend class RedisPool;
    std::string source_;
    std::string sha1_;
    std::atomic<bool> loaded_{false};
};

class PORTICO_API RedisPool
{
public:
    explicit RedisPool(RedisSettings settings);
    ~RedisPool();
    RedisPool(const RedisPool&) = delete;
    RedisPool& operator=(const RedisPool&) = delete;

    const RedisSettings& settings() const;

    /// Sends one command (every element a bulk string) and returns the reply. Throws
    /// RedisUnavailable on any failure, including an error reply.
    RedisReply execute(const Poco::Redis::Array& command);

    /// Runs `script` over `keys` and `args` (EVALSHA, EVAL on NOSCRIPT); the reply as execute().
    RedisReply run(RedisScript& script, const std::vector<std::string>& keys, const std::vector<std::string>& args);

    /// Empty while Redis answers; otherwise why not (for a plugin's notReadyReason()). Sends a
    /// PING when nothing has been heard from Redis for a second, so /readyz notices an outage
    /// without traffic and sees Redis return without a restart.
    std::string unavailableReason();

    /// True unless the last contact with Redis failed.
    bool up() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

/// The process-wide pool for the [redis] settings of the configuration `config` belongs to
/// (any plugin's section). Plugins with the same settings share one pool; a reload with the
/// same settings gets the same pool. Throws ConfigError naming the [redis] key that is wrong.
PORTICO_API std::shared_ptr<RedisPool> redisPool(const PluginConfig& config);

/// A reply's text: a bulk or simple string, or an integer in decimal; nullopt for a null bulk
/// string or a null array. Throws RedisUnavailable for an array or an error.
PORTICO_API std::optional<std::string> replyText(const RedisReply& reply);
/// An array reply's elements; none for an empty or null array (Poco cannot tell them apart).
/// Throws RedisUnavailable when `reply` is not an array.
PORTICO_API std::vector<RedisReply> replyElements(const RedisReply& reply);

/// What a plugin does while Redis is unavailable.
enum class RedisFailurePolicy
{
    FailOpen,  ///< serve without it (no limit, no idempotency store), count and log
    FailClosed ///< answer 503 in OpenAI's error shape
};

/// Reads `key` (fail_open | fail_closed) from `config`; throws ConfigError naming it.
PORTICO_API RedisFailurePolicy readRedisFailurePolicy(const PluginConfig& config, const std::string& key,
                                          RedisFailurePolicy fallback);
PORTICO_API const char* redisFailurePolicyName(RedisFailurePolicy policy);

/// Counts a plugin's failed Redis operations in portico_redis_failures_total{plugin} and logs
/// the first failure of each outage (not one line per request); failures outside an outage (a
/// refused command, a busy pool) are logged at most once a minute.
class PORTICO_API RedisFailureReporter
{
public:
    RedisFailureReporter(prometheus::Registry& registry, Poco::Logger& logger, const std::string& plugin,
                         RedisFailurePolicy policy);

    RedisFailurePolicy policy() const { return policy_; }
    /// Counts one failure; `consequence` says what the plugin does about it (for the log line).
    void report(const RedisUnavailable& error, const std::string& consequence);

private:
    prometheus::Counter& failures_;
    Poco::Logger& logger_;
    const std::string plugin_;
    const RedisFailurePolicy policy_;
    std::atomic<std::uint64_t> loggedOutage_{0};
    std::atomic<std::int64_t> loggedTransientAt_{0};
};

} // namespace portico
