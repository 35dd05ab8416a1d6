// The pool: Poco::ObjectPool of RedisConnection objects, the fail-fast gate (RedisHealth) in
// front of it, scripts, and the process-wide registry of pools.
//
// Poco::ObjectPool creates objects while it holds its own lock, so a connect (which may wait for
// connect_timeout_ms) must not happen there: the factory makes unconnected RedisConnection
// objects, and a borrowed one connects (or reconnects) outside the pool's lock.

#include "portico/RedisPool.h"
#include "redis/RedisConnection.h"
#include "redis/RedisHealth.h"
#include "Poco/DigestEngine.h"
#include "Poco/Logger.h"
#include "Poco/ObjectPool.h"
#include "Poco/SHA1Engine.h"
#include "Poco/Util/AbstractConfiguration.h"
#include <functional>
#include <map>
#include <mutex>

namespace portico {

namespace {

/// How long a cached "Redis answered" stands before unavailableReason() asks again.
constexpr std::chrono::seconds ContactFreshness{1};

class ConnectionFactory
{
public:
    explicit ConnectionFactory(const RedisSettings& settings) : settings_(&settings) {}
    RedisConnection* createObject() { return new RedisConnection(*settings_); }
    bool validateObject(RedisConnection*) { return true; } // a closed one reconnects when borrowed
    void activateObject(RedisConnection*) {}
    void deactivateObject(RedisConnection*) {}
    void destroyObject(RedisConnection* connection) { delete connection; }

private:
    const RedisSettings* settings_;
};

using ConnectionPool = Poco::ObjectPool<RedisConnection, RedisConnection*, ConnectionFactory>;

Poco::Redis::Array command(std::initializer_list<std::string> words)
{
    Poco::Redis::Array array;
    for (const auto& word : words)
        array << word;
    return array;
}

} // namespace

RedisUnavailable::RedisUnavailable(const std::string& what, std::uint64_t outage, bool mayHaveRun)
    : std::runtime_error(what), outage_(outage), mayHaveRun_(mayHaveRun)
{
}

RedisScript::RedisScript(std::string source) : source_(std::move(source))
{
    Poco::SHA1Engine sha1;
    sha1.update(source_);
    sha1_ = Poco::DigestEngine::digestToHex(sha1.digest());
}

class RedisPool::Impl
{
public:
    explicit Impl(RedisSettings settings)
        : settings(std::move(settings)),
          health(this->settings.address(), Poco::Logger::get("portico.redis")),
          pool(ConnectionFactory(this->settings), this->settings.poolSize, this->settings.poolSize)
    {
    }

    /// Runs `exchange` on a connected pooled connection, through the fail-fast gate.
    RedisReply call(const std::function<RedisReply(RedisConnection&)>& exchange)
    {
        const bool probe = health.admit();
        RedisConnection* connection = pool.borrowObject(static_cast<long>(settings.commandTimeout.count()));
        if (!connection)
        {
            health.abandoned(probe);
            throw RedisUnavailable("all " + std::to_string(settings.poolSize) + " connections to Redis at " +
                                       settings.address() + " stayed busy for " +
                                       std::to_string(settings.commandTimeout.count()) + " ms (raise redis.pool_size)",
                                   0);
        }
        struct Return
        {
            ConnectionPool& pool;
            RedisConnection* connection;
            ~Return() { pool.returnObject(connection); }
        } giveBack{pool, connection};

        RedisReply reply;
        bool sent = false;
        try
        {
            const std::uint64_t generation = health.generation();
            if (connection->isOpen() && (connection->generation() != generation || connection->closedWhileIdle()))
                connection->close();
            if (!connection->isOpen())
                connection->open(generation);
            sent = true;
            reply = exchange(*connection);
        }
        catch (const RedisConnectionError& e)
        {
            throw RedisUnavailable(e.what(), health.failed(probe, e.what()), sent);
        }
        catch (...)
        {
            health.abandoned(probe);
            throw;
        }
        health.succeeded(probe);
        const std::string error = errorMessage(reply);
        if (!error.empty())
            throw RedisUnavailable("Redis at " + settings.address() + " refused the command: " + error, 0);
        return reply;
    }

    const RedisSettings settings;
    RedisHealth health;
    ConnectionPool pool;
};

RedisPool::RedisPool(RedisSettings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}

RedisPool::~RedisPool() = default;

const RedisSettings& RedisPool::settings() const
{
    return impl_->settings;
}

bool RedisPool::up() const
{
    return impl_->health.up();
}

RedisReply RedisPool::execute(const Poco::Redis::Array& command)
{
    return impl_->call([&](RedisConnection& connection) { return connection.send(command); });
}

RedisReply RedisPool::run(RedisScript& script, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args)
{
    const auto invocation = [&](const char* verb, const std::string& body) {
        Poco::Redis::Array array;
        array << verb << body << std::to_string(keys.size()) << keys << args;
        return array;
    };
    return impl_->call([&](RedisConnection& connection) {
        if (!script.loaded_.load(std::memory_order_acquire))
        {
            const RedisReply loaded = connection.send(command({"SCRIPT", "LOAD", script.source_}));
            if (!errorMessage(loaded).empty())
                return loaded;
            script.loaded_.store(true, std::memory_order_release);
        }
        RedisReply reply = connection.send(invocation("EVALSHA", script.sha1_));
        // NOSCRIPT: the server lost its script cache (restarted, SCRIPT FLUSH). EVAL caches it again.
        if (errorMessage(reply).rfind("NOSCRIPT", 0) == 0)
            reply = connection.send(invocation("EVAL", script.source_));
        return reply;
    });
}

std::string RedisPool::unavailableReason()
{
    Impl& impl = *impl_;
    if (impl.health.up() && RedisHealth::Clock::now() - impl.health.lastContact() < ContactFreshness)
        return {};
    try
    {
        execute(command({"PING"}));
        return {};
    }
    catch (const RedisUnavailable& e)
    {
        return e.what();
    }
}

std::shared_ptr<RedisPool> redisPool(const PluginConfig& config)
{
    // PluginConfig wants a reference-counted configuration; the global one is (the loader's
    // MapConfiguration), so a shared AutoPtr to it is safe. Only getters are used on it.
    Poco::AutoPtr<Poco::Util::AbstractConfiguration> whole(
        const_cast<Poco::Util::AbstractConfiguration*>(&config.global()), true);
    const RedisSettings settings = RedisSettings::from(PluginConfig(whole, "redis", config.source()));

    struct Registry
    {
        std::mutex mutex;
        std::map<std::string, std::weak_ptr<RedisPool>> pools;
    };
    // Never destroyed: a plugin may still hold a pool while static destructors run at exit.
    static Registry* registry = new Registry;
    std::lock_guard<std::mutex> lock(registry->mutex);
    auto& slot = registry->pools[settings.identity()];
    if (auto pool = slot.lock())
        return pool;
    auto pool = std::make_shared<RedisPool>(settings);
    slot = pool;
    return pool;
}

std::optional<std::string> replyText(const RedisReply& reply)
{
    using namespace Poco::Redis;
    if (reply.isNull())
        return std::nullopt;
    switch (reply->type())
    {
    case RedisType::REDIS_BULK_STRING:
    {
        const auto& value = static_cast<const Type<BulkString>&>(*reply).value();
        if (value.isNull())
            return std::nullopt;
        return value.value();
    }
    case RedisType::REDIS_SIMPLE_STRING:
        return static_cast<const Type<std::string>&>(*reply).value();
    case RedisType::REDIS_INTEGER:
        return std::to_string(static_cast<const Type<Poco::Int64>&>(*reply).value());
    case RedisType::REDIS_ARRAY:
        if (static_cast<const Type<Array>&>(*reply).value().isNull())
            return std::nullopt;
        throw RedisUnavailable("Redis answered an array where a single value was expected", 0);
    default:
        throw RedisUnavailable("Redis answered an error: " + errorMessage(reply), 0);
    }
}

std::vector<RedisReply> replyElements(const RedisReply& reply)
{
    using namespace Poco::Redis;
    if (reply.isNull() || reply->type() != RedisType::REDIS_ARRAY)
        throw RedisUnavailable("Redis answered " + (reply.isNull() ? std::string("nothing") : "a reply of type " + std::to_string(reply->type())) +
                                   " where an array was expected",
                               0);
    const Array& array = static_cast<const Type<Array>&>(*reply).value();
    // Poco reads an empty array (*0) as a null one, as it reads *-1: both are no elements.
    if (array.isNull())
        return {};
    return std::vector<RedisReply>(array.begin(), array.end());
}

} // namespace portico
