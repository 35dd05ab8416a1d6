#include "ConnectionPool.h"
#include "Poco/Net/HTTPSClientSession.h"
#include "Poco/Net/NetSSL.h"
#include "Poco/Net/SecureStreamSocket.h"
#include "Poco/Net/Socket.h"

namespace portico::openai {

namespace {

/// Poco connects lazily inside sendRequest(), where a refused connection and a broken pooled
/// one look alike. Connecting here, up front, keeps "could not connect" (safe to retry: nothing
/// was sent) apart from "failed mid-request".
template <class Base>
class EagerSession : public Base
{
public:
    using Base::Base;
    void connectNow() { this->reconnect(); }
};

Poco::Net::Context::Ptr makeTlsContext(const UpstreamConfig& config)
{
    Poco::Net::Context::Params params;
    params.caLocation = config.caFile;
    params.loadDefaultCAs = config.caFile.empty();
    params.verificationMode = Poco::Net::Context::VERIFY_RELAXED; // a client verifies the server
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                              Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
    // Resumed TLS sessions make a new connection after an idle eviction cheap.
    context->enableSessionCache(true);
    return context;
}

/// An idle keep-alive connection must have nothing to read: readable means the upstream closed
/// it (EOF) or sent something unasked, and either way it cannot carry a request.
bool looksOpen(Poco::Net::HTTPClientSession& session)
{
    if (!session.connected())
        return false;
    try
    {
        return !session.socket().poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ |
                                                            Poco::Net::Socket::SELECT_ERROR);
    }
    catch (...)
    {
        return false;
    }
}

} // namespace

ConnectionPool::ConnectionPool(const UpstreamConfig& config) : config_(config)
{
    if (config_.secure())
    {
        Poco::Net::initializeSSL();
        tls_ = makeTlsContext(config_);
    }
}

ConnectionPool::~ConnectionPool()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        idle_.clear();
    }
    if (config_.secure())
    {
        tls_ = nullptr;
        Poco::Net::uninitializeSSL();
    }
}

std::unique_ptr<ConnectionPool::Session> ConnectionPool::open()
{
    const Poco::Timespan connect(static_cast<long>(config_.connectTimeoutMs / 1000),
                                 static_cast<long>(config_.connectTimeoutMs % 1000) * 1000);
    const Poco::Timespan read(static_cast<long>(config_.readTimeoutMs / 1000),
                              static_cast<long>(config_.readTimeoutMs % 1000) * 1000);
    std::unique_ptr<Session> session;
    bool resumed = false;
    if (config_.secure())
    {
        Poco::Net::Session::Ptr previous;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            previous = tlsSession_;
        }
        auto https = std::make_unique<EagerSession<Poco::Net::HTTPSClientSession>>(config_.host, config_.port, tls_,
                                                                                   previous);
        https->setTimeout(connect, read, read);
        https->connectNow();
        resumed = previous && Poco::Net::SecureStreamSocket(https->socket()).sessionWasReused();
        session = std::move(https);
    }
    else
    {
        auto http = std::make_unique<EagerSession<Poco::Net::HTTPClientSession>>(config_.host, config_.port);
        http->setTimeout(connect, read, read);
        http->connectNow();
        session = std::move(http);
    }
    session->setKeepAlive(config_.poolSize > 0);
    // Poco would otherwise reconnect on its own after 8 s; the pool decides when to drop.
    session->setKeepAliveTimeout(Poco::Timespan(static_cast<long>(config_.idleTimeoutMs / 1000) + 3600, 0));
    std::lock_guard<std::mutex> lock(mutex_);
    ++opened_;
    resumed_ += resumed ? 1 : 0;
    return session;
}

ConnectionPool::Lease ConnectionPool::acquire()
{
    for (;;)
    {
        std::unique_ptr<Session> candidate;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            evictExpiredLocked(Clock::now());
            if (idle_.empty())
                break;
            candidate = std::move(idle_.back().session);
            idle_.pop_back();
        }
        if (looksOpen(*candidate))
            return Lease{std::move(candidate), true};
        // Closed by the upstream while idle: drop it and look at the next one.
    }
    return connectNew();
}

ConnectionPool::Lease ConnectionPool::connectNew()
{
    return Lease{open(), false};
}

void ConnectionPool::release(std::unique_ptr<Session> session, bool reusable)
{
    if (!session)
        return;
    if (config_.secure() && session->connected())
    {
        // Taken after a whole answer: TLS 1.3 delivers its session tickets after the handshake.
        // (HTTPSClientSession::sslSession() is the one seen right after the handshake, too early.)
        Poco::Net::Session::Ptr tls;
        try
        {
            tls = Poco::Net::SecureStreamSocket(session->socket()).currentSession();
        }
        catch (const Poco::Exception&)
        {
        }
        std::lock_guard<std::mutex> lock(mutex_);
        if (tls)
            tlsSession_ = tls;
    }
    if (!reusable || config_.poolSize <= 0 || !session->connected())
        return;
    std::unique_ptr<Session> dropped;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto now = Clock::now();
        evictExpiredLocked(now);
        if (static_cast<int>(idle_.size()) >= config_.poolSize)
        {
            // Full: the oldest idle connection makes room (it is the likeliest to be stale).
            dropped = std::move(idle_.front().session);
            idle_.pop_front();
        }
        idle_.push_back(Idle{std::move(session), now});
    }
}

void ConnectionPool::evictExpired()
{
    std::deque<Idle> expired;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto limit = Clock::now() - std::chrono::milliseconds(config_.idleTimeoutMs);
        while (!idle_.empty() && idle_.front().since <= limit)
        {
            expired.push_back(std::move(idle_.front()));
            idle_.pop_front();
        }
    }
    // Closing sockets (a TLS close_notify) happens here, outside the lock.
}

void ConnectionPool::evictExpiredLocked(Clock::time_point now)
{
    const auto limit = now - std::chrono::milliseconds(config_.idleTimeoutMs);
    while (!idle_.empty() && idle_.front().since <= limit)
        idle_.pop_front();
}

std::size_t ConnectionPool::idleCount() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return idle_.size();
}

std::uint64_t ConnectionPool::resumedCount() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return resumed_;
}

std::uint64_t ConnectionPool::openedCount() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return opened_;
}

} // namespace portico::openai
