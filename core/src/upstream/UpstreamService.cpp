#include "upstream/UpstreamService.h"
#include "api/ExchangeControl.h"
#include "upstream/UpstreamExchange.h"
#include "Poco/Exception.h"
#include "Poco/Net/NetSSL.h"

namespace portico {

namespace {

/// What a plugin holds while a call runs: destroying it abandons the call.
class CallHandle : public UpstreamCall
{
public:
    explicit CallHandle(std::shared_ptr<UpstreamExchange> exchange) : exchange_(std::move(exchange)) {}
    ~CallHandle() override { exchange_->abandon(); }
    void pause() override { exchange_->pause(); }
    void resume() override { exchange_->resume(); }

private:
    std::shared_ptr<UpstreamExchange> exchange_;
};

class Client : public UpstreamClient
{
public:
    Client(UpstreamService& service, UpstreamEndpoint endpoint, SSL_CTX* tls)
        : service_(service), endpoint_(std::move(endpoint)), identity_(endpoint_.identity()), tls_(tls)
    {
    }

    std::unique_ptr<UpstreamCall> start(Exchange& exchange, UpstreamRequest request, UpstreamHandler& handler) override
    {
        ExchangeHost* host = ExchangeControl::host(exchange);
        if (!host)
            throw Poco::IllegalStateException("an upstream call for an exchange the core is not serving");
        EventLoop& loop = host->eventLoop();
        if (!loop.inLoopThread())
            throw Poco::IllegalStateException(
                "UpstreamClient::start() runs on the exchange's event loop (from a DeferredAnswer, see "
                "portico/Deferred.h)");
        auto call = std::make_shared<UpstreamExchange>(service_.pool(loop, identity_, endpoint_), service_.resolver(), tls_, *host,
                                                       exchange, std::move(request), handler);
        call->begin();
        return std::make_unique<CallHandle>(std::move(call));
    }

    const UpstreamEndpoint& endpoint() const override { return endpoint_; }

private:
    UpstreamService& service_;
    const UpstreamEndpoint endpoint_;
    const std::string identity_;
    SSL_CTX* tls_;
};

} // namespace

UpstreamService::UpstreamService() = default;

UpstreamService::~UpstreamService() = default;

SSL_CTX* UpstreamService::tlsContext(const std::string& caFile)
{
    std::lock_guard<std::mutex> lock(mutex_);
    auto& context = tls_[caFile];
    if (!context)
    {
        static std::once_flag initialised;
        std::call_once(initialised, [] { Poco::Net::initializeSSL(); });
        Poco::Net::Context::Params params;
        params.caLocation = caFile;
        params.loadDefaultCAs = caFile.empty();
        params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
        context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
        context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
        // Sessions are offered by hand (UpstreamPool keeps the last one per upstream and loop).
        context->enableSessionCache(false);
    }
    return context->sslContext();
}

std::shared_ptr<UpstreamClient> UpstreamService::client(const UpstreamEndpoint& endpoint)
{
    SSL_CTX* tls = endpoint.tls ? tlsContext(endpoint.caFile) : nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = clients_[endpoint.identity() + "|" + endpoint.name + "|" + endpoint.url];
    if (auto existing = slot.lock())
        return existing;
    auto made = std::make_shared<Client>(*this, endpoint, tls);
    slot = made;
    return made;
}

std::shared_ptr<UpstreamPool> UpstreamService::pool(EventLoop& loop, const std::string& identity,
                                                   const UpstreamEndpoint& endpoint)
{
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = pools_[&loop][identity];
    if (!slot)
        slot = std::make_shared<UpstreamPool>(loop, endpoint);
    return slot;
}

void UpstreamService::dropLoop(EventLoop& loop)
{
    LoopPools dropped;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto found = pools_.find(&loop);
        if (found != pools_.end())
        {
            dropped.swap(found->second);
            pools_.erase(found);
        }
    }
    for (auto& [identity, pool] : dropped)
        pool->closeAll();
    resolver_.forget(loop);
}

} // namespace portico
