#include "UpstreamProxy.h"
#include "Backoff.h"
#include "StreamRelay.h"
#include "UpstreamRequest.h"
#include "UsageScanner.h"
#include "portico/Attributes.h"
#include "portico/Json.h"
#include "Poco/Exception.h"
#include "Poco/Net/NetException.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include "Poco/String.h"
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <algorithm>

namespace portico::openai {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

bool isEventStream(const std::string& contentType)
{
    return Poco::icompare(contentType.substr(0, contentType.find(';')), "text/event-stream") == 0;
}

[[noreturn]] void throwStreamError(Poco::Net::HTTPClientSession& session, const char* what)
{
    if (const Poco::Exception* error = session.networkException())
        error->rethrow();
    throw Poco::IOException(what);
}

const prometheus::Histogram::BucketBoundaries& durationBuckets()
{
    static const prometheus::Histogram::BucketBoundaries buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                                 2.5,   5,    10,    30,   60,  120, 300};
    return buckets;
}

} // namespace

UpstreamProxy::UpstreamProxy(std::vector<UpstreamConfig> upstreams, Poco::Logger& logger,
                             prometheus::Registry& metrics)
    : upstreams_(std::move(upstreams)),
      logger_(logger),
      duration_(prometheus::BuildHistogram()
                    .Name("portico_upstream_request_duration_seconds")
                    .Help("Time from sending a request upstream to the end of its answer (or stream).")
                    .Register(metrics))
{
    for (const auto& upstream : upstreams_)
    {
        hostHeaders_.push_back(hostHeader(upstream));
        pools_.push_back(std::make_unique<ConnectionPool>(upstream));
    }
    if (!upstreams_.empty())
        reaper_ = std::thread([this] { reap(); });
}

UpstreamProxy::~UpstreamProxy()
{
    {
        std::lock_guard<std::mutex> lock(reaperMutex_);
        stopping_ = true;
    }
    reaperWake_.notify_all();
    if (reaper_.joinable())
        reaper_.join();
}

void UpstreamProxy::reap()
{
    int shortest = 1000;
    for (const auto& upstream : upstreams_)
        shortest = std::min(shortest, upstream.idleTimeoutMs / 2);
    const auto interval = std::chrono::milliseconds(std::max(shortest, 50));
    std::unique_lock<std::mutex> lock(reaperMutex_);
    while (!reaperWake_.wait_for(lock, interval, [this] { return stopping_; }))
    {
        for (auto& pool : pools_)
            pool->evictExpired();
    }
}

const UpstreamConfig* UpstreamProxy::upstreamFor(const std::string& model) const
{
    for (const auto& upstream : upstreams_)
        if (upstream.lists(model))
            return &upstream;
    for (const auto& upstream : upstreams_)
        if (upstream.servesAll)
            return &upstream;
    return nullptr;
}

std::size_t UpstreamProxy::indexOf(const UpstreamConfig& upstream) const
{
    for (std::size_t i = 0; i < upstreams_.size(); ++i)
        if (&upstreams_[i] == &upstream || upstreams_[i].name == upstream.name)
            return i;
    throw Poco::InvalidArgumentException("unknown upstream '" + upstream.name + "'");
}

ConnectionPool& UpstreamProxy::pool(const UpstreamConfig& upstream)
{
    return *pools_[indexOf(upstream)];
}

void UpstreamProxy::observe(std::size_t index, const std::string& status, double seconds)
{
    prometheus::Histogram* histogram = nullptr;
    {
        std::lock_guard<std::mutex> lock(durationMutex_);
        auto& slot = durationSeries_[{index, status}];
        if (!slot)
            slot = &duration_.Add({{"upstream", upstreams_[index].name}, {"status", status}}, durationBuckets());
        histogram = slot;
    }
    histogram->Observe(seconds);
}

bool UpstreamProxy::acquire(std::size_t index, bool fresh, int& attempt, ConnectionPool::Lease& lease,
                            UpstreamFailure& failure)
{
    const UpstreamConfig& upstream = upstreams_[index];
    ConnectionPool& pool = *pools_[index];
    for (;;)
    {
        try
        {
            lease = fresh ? pool.connectNew() : pool.acquire();
            return true;
        }
        catch (const std::exception& error)
        {
            failure = connectFailure(upstream, error);
            if (!failure.retryable || attempt >= upstream.retries)
                return false;
            backOff(upstream, attempt, failure.message + " Retry ");
        }
    }
}

bool UpstreamProxy::retryOnStale(const UpstreamConfig& upstream, bool reused, bool nothingCameBack,
                                 const std::exception& error, bool& staleRetried)
{
    const bool timeout = dynamic_cast<const Poco::TimeoutException*>(&error) != nullptr;
    if (!reused || staleRetried || timeout || !nothingCameBack)
        return false;
    // The upstream closed this idle connection as we picked it: nothing was processed, so the
    // request goes again (once) on a new connection.
    logger_.debug("pooled connection to upstream '" + upstream.name + "' was stale; retrying on a new one");
    staleRetried = true;
    return true;
}

void UpstreamProxy::backOff(const UpstreamConfig& upstream, int& attempt, const std::string& why)
{
    const auto delay = backoffDelay(attempt++, upstream.retryBackoffMs);
    logger_.information(why + std::to_string(attempt) + " of " + std::to_string(upstream.retries) + " in " +
                        std::to_string(delay.count()) + " ms.");
    std::this_thread::sleep_for(delay);
}

bool UpstreamProxy::open(std::size_t index, Poco::Net::HTTPRequest& request, const std::string& body,
                         bool retryBusy, Opened& opened, UpstreamFailure& failure)
{
    const UpstreamConfig& upstream = upstreams_[index];
    int attempt = 0;
    bool staleRetried = false;
    bool wantFresh = false;
    for (;;)
    {
        if (!acquire(index, wantFresh, attempt, opened.lease, failure))
            return false;
        wantFresh = false;
        Poco::Net::HTTPClientSession& session = *opened.lease.session;
        try
        {
            std::ostream& out = session.sendRequest(request);
            out.write(body.data(), static_cast<std::streamsize>(body.size()));
            out.flush();
            if (!out.good())
                throwStreamError(session, "sending the request failed");
            opened.response.clear();
            opened.body = &session.receiveResponse(opened.response);
        }
        catch (const std::exception& error)
        {
            if (retryOnStale(upstream, opened.lease.reused, true, error, staleRetried))
            {
                wantFresh = true;
                continue;
            }
            failure = exchangeFailure(upstream, error);
            return false;
        }
        const int status = opened.response.getStatus();
        if (status < 200)
        {
            // Poco skips only 100 Continue; any other 1xx it returns (101 Switching Protocols,
            // or 102/103 where its final answer would follow) cannot be relayed as the answer.
            failure = exchangeFailure(
                upstream, Poco::Net::MessageException("the upstream answered " + std::to_string(status) +
                                                      " where a final answer was expected"));
            opened.lease.session.reset();
            return false;
        }
        if (retryBusy && (status == 502 || status == 503) && attempt < upstream.retries)
        {
            std::string ignored;
            UpstreamFailure drainFailure;
            readAll(index, opened, ignored, drainFailure);
            backOff(upstream, attempt, "upstream '" + upstream.name + "' answered " + std::to_string(status) + "; retry ");
            continue;
        }
        return true;
    }
}

bool UpstreamProxy::readAll(std::size_t index, Opened& opened, std::string& content, UpstreamFailure& failure)
{
    Poco::Net::HTTPClientSession& session = *opened.lease.session;
    const std::size_t limit = upstreams_[index].maxBodyBytes;
    try
    {
        const auto declared = opened.response.getContentLength64();
        if (declared != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
            static_cast<unsigned long long>(declared) > limit)
            throw AnswerTooLarge("the upstream's answer declares a body of " + std::to_string(declared) +
                                     " bytes, more than " + std::to_string(limit),
                                 "max_body_bytes", limit);
        char buffer[16384];
        std::istream& body = *opened.body;
        while (body.read(buffer, sizeof buffer) || body.gcount() > 0)
        {
            if (static_cast<std::size_t>(body.gcount()) > limit - content.size())
                throw AnswerTooLarge("the upstream's answer body is larger than " + std::to_string(limit) + " bytes",
                                     "max_body_bytes", limit);
            content.append(buffer, static_cast<std::size_t>(body.gcount()));
        }
        if (body.bad())
            throwStreamError(session, "reading the answer failed");
        if (declared != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
            static_cast<Poco::Int64>(content.size()) != declared)
            throw Poco::IOException("the connection closed after " + std::to_string(content.size()) + " of " +
                                    std::to_string(declared) + " bytes");
    }
    catch (const std::exception& error)
    {
        failure = exchangeFailure(upstreams_[index], error);
        opened.lease.session.reset();
        return false;
    }
    pools_[index]->release(std::move(opened.lease.session), opened.response.getKeepAlive());
    return true;
}

bool UpstreamProxy::call(std::size_t index, const std::string& head, const std::string& body, WireAnswer& answer,
                         UpstreamFailure& failure)
{
    const UpstreamConfig& upstream = upstreams_[index];
    ConnectionPool& pool = *pools_[index];
    int attempt = 0;
    bool staleRetried = false;
    bool wantFresh = false;
    for (;;)
    {
        ConnectionPool::Lease lease;
        if (!acquire(index, wantFresh, attempt, lease, failure))
            return false;
        wantFresh = false;
        try
        {
            Poco::Net::StreamSocket& socket = lease.session->socket();
            sendRequest(socket, head, body);
            receiveAnswer(socket, answer, upstream.maxBodyBytes);
        }
        catch (const std::exception& error)
        {
            if (retryOnStale(upstream, lease.reused, answer.received == 0, error, staleRetried))
            {
                wantFresh = true;
                continue;
            }
            failure = exchangeFailure(upstream, error);
            return false;
        }
        pool.release(std::move(lease.session), answer.keepAlive);
        const int status = answer.status;
        if ((status == 502 || status == 503) && attempt < upstream.retries)
        {
            backOff(upstream, attempt, "upstream '" + upstream.name + "' answered " + std::to_string(status) + "; retry ");
            continue;
        }
        return true;
    }
}

void UpstreamProxy::finish(Exchange& exchange, std::size_t index, const std::string& label, Clock::time_point started)
{
    const double seconds = secondsSince(started);
    exchange.set(attr::UpstreamMs, std::to_string(static_cast<long long>(seconds * 1000)));
    observe(index, label, seconds);
}

void UpstreamProxy::fail(Exchange& exchange, std::size_t index, const UpstreamFailure& failure,
                         Clock::time_point started)
{
    logger_.warning(failure.message);
    exchange.respondError(failure.status, failure.message, errorTypeForStatus(failure.status), failure.code);
    finish(exchange, index, failure.label, started);
}

void UpstreamProxy::forwardBuffered(Exchange& exchange, std::size_t index, const std::string& method,
                                    const std::string& apiPath)
{
    const UpstreamConfig& upstream = upstreams_[index];
    const auto started = Clock::now();
    std::string head;
    head.reserve(512);
    writeRequestHead(head, method, upstreamTarget(upstream, apiPath), hostHeaders_[index], exchange, upstream, false,
                     upstream.poolSize > 0);
    WireAnswer answer;
    UpstreamFailure failure;
    if (!call(index, head, exchange.body(), answer, failure))
        return fail(exchange, index, failure, started);
    if (!answer.requestId.empty())
        exchange.response().headers.set(UpstreamRequestIdHeader, answer.requestId);
    std::optional<Usage> usage;
    if (answer.status >= 200 && answer.status < 300)
        usage = scanUsage(answer.body);
    const int status = answer.status;
    exchange.respond(status, std::move(answer.body),
                     answer.contentType.empty() ? std::string("application/json") : answer.contentType);
    finish(exchange, index, std::to_string(status), started);
    if (usage)
    {
        exchange.set(attr::UsageInputTokens, std::to_string(usage->inputTokens));
        exchange.set(attr::UsageOutputTokens, std::to_string(usage->outputTokens));
    }
}

void UpstreamProxy::forward(Exchange& exchange, const UpstreamConfig& upstreamArg, const std::string& method,
                            const std::string& apiPath, bool stream)
{
    const std::size_t index = indexOf(upstreamArg);
    if (!stream)
        return forwardBuffered(exchange, index, method, apiPath);
    const UpstreamConfig& upstream = upstreams_[index];
    const auto started = Clock::now();
    const auto finish = [&](const std::string& label) { this->finish(exchange, index, label, started); };
    const auto fail = [&](const UpstreamFailure& failure) { this->fail(exchange, index, failure, started); };

    Poco::Net::HTTPRequest request(method, upstreamTarget(upstream, apiPath), Poco::Net::HTTPMessage::HTTP_1_1);
    prepareRequest(request, exchange, upstream, stream);
    Opened opened;
    UpstreamFailure failure;
    if (!open(index, request, exchange.body(), !stream, opened, failure))
        return fail(failure);

    const int status = opened.response.getStatus();
    const std::string contentType = opened.response.getContentType();
    copyResponseHeaders(opened.response, exchange);
    std::optional<Usage> usage;
    if (stream && status == 200 && isEventStream(contentType))
    {
        const RelayResult relay = relayEvents(*opened.body, *opened.lease.session, exchange, upstream, status,
                                              contentType);
        if (relay.drained && !relay.clientGone)
            pools_[index]->release(std::move(opened.lease.session), opened.response.getKeepAlive());
        else if (opened.lease.session)
            opened.lease.session->abort(); // tells the upstream to stop generating
        usage = relay.usage;
        if (relay.failure)
            logger_.warning(relay.failure->message);
        if (relay.clientGone)
            logger_.debug("client went away; closed the stream from upstream '" + upstream.name + "'");
        finish(relay.failure ? relay.failure->label : std::to_string(status));
    }
    else
    {
        std::string content;
        if (!readAll(index, opened, content, failure))
            return fail(failure);
        if (status >= 200 && status < 300)
            usage = scanUsage(content);
        exchange.respond(status, std::move(content), contentType.empty() ? "application/json" : contentType);
        finish(std::to_string(status));
    }
    if (usage)
    {
        exchange.set(attr::UsageInputTokens, std::to_string(usage->inputTokens));
        exchange.set(attr::UsageOutputTokens, std::to_string(usage->outputTokens));
    }
}

std::vector<std::string> UpstreamProxy::listModels(const UpstreamConfig& upstreamArg)
{
    const std::size_t index = indexOf(upstreamArg);
    const UpstreamConfig& upstream = upstreams_[index];
    const auto started = Clock::now();
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, upstreamTarget(upstream, "/models"),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Accept", "application/json");
    if (!upstream.apiKey.empty())
        request.set("Authorization", "Bearer " + upstream.apiKey);
    Opened opened;
    UpstreamFailure failure;
    std::string content;
    std::string problem;
    if (!open(index, request, {}, true, opened, failure) || !readAll(index, opened, content, failure))
    {
        observe(index, failure.label, secondsSince(started));
        problem = failure.message;
    }
    else
    {
        const int status = opened.response.getStatus();
        observe(index, std::to_string(status), secondsSince(started));
        if (status != 200)
            problem = "GET " + request.getURI() + " answered " + std::to_string(status);
        else
        {
            try
            {
                std::vector<std::string> ids;
                const auto list = Poco::JSON::Parser().parse(content).extract<Poco::JSON::Object::Ptr>();
                const auto data = list ? list->getArray("data") : nullptr;
                if (!data)
                    throw Poco::DataFormatException("no \"data\" array");
                for (std::size_t i = 0; i < data->size(); ++i)
                    if (const auto model = data->getObject(static_cast<unsigned>(i)); model && model->has("id"))
                        ids.push_back(model->getValue<std::string>("id"));
                return ids;
            }
            catch (const std::exception& error)
            {
                problem = "GET " + request.getURI() + " answered an unexpected body: " + describeException(error);
            }
        }
    }
    logger_.warning("listing the models of upstream '" + upstream.name + "' failed: " + problem +
                    "; listing its configured models instead");
    return upstream.models;
}

} // namespace portico::openai
