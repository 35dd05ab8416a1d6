#include "ModelListFetch.h"
#include "ProxyFailure.h"
#include "UpstreamRequest.h"
#include "portico/Errors.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include "Poco/Logger.h"
#include <chrono>

namespace portico::openai {

/// The GET of one upstream, bounded by its models_timeout_ms (a timer of the exchange).
class ModelListFetch::Listing final : public UpstreamHandler, public std::enable_shared_from_this<Listing>
{
public:
    Listing(ModelListFetch& owner, const ProxyTarget& target) : owner_(owner), target_(target) {}
    // The call first: destroying it closes a connection still in use. The timer is left to the
    // exchange (cancelled when it ends; its callback holds only a weak reference).
    ~Listing() override { call_.reset(); }

    void start(Exchange& exchange)
    {
        exchange_ = &exchange;
        started_ = std::chrono::steady_clock::now();
        UpstreamRequest request = modelsRequest(target_.config);
        path_ = request.target;
        std::weak_ptr<Listing> weak = shared_from_this();
        timer_ = exchange.after(target_.config.modelsTimeout, [weak] {
            if (auto self = weak.lock())
                self->timedOut();
        });
        call_ = target_.client->start(exchange, std::move(request), *this);
    }

    void onHead(const UpstreamAnswer& answer) override { status_ = answer.status; }
    void onBody(std::string_view bytes) override { body_.append(bytes.data(), bytes.size()); }

    void onEnd() override
    {
        if (!end())
            return;
        observe(std::to_string(status_));
        if (status_ != 200)
            return fallBack("GET " + path_ + " answered " + std::to_string(status_));
        try
        {
            ids_ = parseModelIds(body_);
        }
        catch (const std::exception& error)
        {
            return fallBack("GET " + path_ + " answered an unexpected body: " + describeException(error));
        }
        complete_ = true;
        owner_.listed();
    }

    void onError(const UpstreamFailure& failure) override
    {
        if (!end())
            return;
        const ProxyFailure problem = proxyFailure(target_.config, failure);
        observe(problem.label);
        fallBack(problem.message);
    }

    std::vector<std::string>& ids() { return ids_; }
    bool complete() const { return complete_; }

private:
    /// The listing is over (called from a callback of the call or of the exchange): no more
    /// timer, and the call goes (the core allows that inside its callback; a connection whose
    /// answer ended cleanly is back in the pool already). Nothing of the listing refers to the
    /// exchange after this, so the fetch may outlive it. False when it was over already.
    bool end()
    {
        if (ended_)
            return false;
        ended_ = true;
        exchange_->cancelTimer(timer_);
        call_.reset();
        return true;
    }

    void timedOut()
    {
        if (ended_)
            return;
        ended_ = true;
        call_.reset(); // abandoned: its connection is closed, no callback comes any more
        observe("timeout");
        fallBack("GET " + path_ + " did not answer within " + std::to_string(target_.config.modelsTimeout.count()) +
                 " ms (" + target_.config.keyPrefix + ".models_timeout_ms)");
    }

    void observe(const std::string& label)
    {
        target_.metrics->observe(target_.config.name, label,
                                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
    }

    void fallBack(const std::string& problem)
    {
        target_.logger->warning("listing the models of upstream '" + target_.config.name + "' failed: " + problem +
                                "; listing its configured models instead");
        ids_ = target_.config.models;
        owner_.listed();
    }

    ModelListFetch& owner_;
    const ProxyTarget& target_;
    Exchange* exchange_ = nullptr;
    /// The request's target, for messages.
    std::string path_;
    std::unique_ptr<UpstreamCall> call_;
    Exchange::TimerId timer_{};
    std::chrono::steady_clock::time_point started_;
    int status_ = 0;
    std::string body_;
    std::vector<std::string> ids_;
    bool complete_ = false;
    bool ended_ = false;
};

ModelListFetch::ModelListFetch(std::vector<const ProxyTarget*> targets) : targets_(std::move(targets)) {}

ModelListFetch::~ModelListFetch()
{
    // The calls before anything they report to.
    pending_ = 0;
    listings_.clear();
}

void ModelListFetch::start(Exchange& exchange, Done done)
{
    done_ = std::move(done);
    for (const ProxyTarget* target : targets_)
        listings_.push_back(std::make_shared<Listing>(*this, *target));
    pending_ = listings_.size() + 1;
    for (auto& listing : listings_)
        listing->start(exchange);
    listed(); // the start's own count: `done` runs after every call was started
}

void ModelListFetch::listed()
{
    if (pending_ == 0 || --pending_ > 0)
        return;
    std::vector<std::vector<std::string>> lists;
    bool complete = true;
    for (auto& listing : listings_)
    {
        complete = complete && listing->complete();
        lists.push_back(std::move(listing->ids()));
    }
    done_(std::move(lists), complete);
}

std::vector<std::string> parseModelIds(const std::string& body)
{
    const auto list = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    const auto data = list ? list->getArray("data") : nullptr;
    if (!data)
        throw Poco::DataFormatException("no \"data\" array");
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < data->size(); ++i)
        if (const auto model = data->getObject(static_cast<unsigned>(i)); model && model->has("id"))
            ids.push_back(model->getValue<std::string>("id"));
    return ids;
}

} // namespace portico::openai
