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

/// The GET of one upstream.
class ModelListFetch::Listing final : public UpstreamHandler
{
public:
    Listing(ModelListFetch& owner, const ProxyTarget& target) : owner_(owner), target_(target) {}
    ~Listing() override { call_.reset(); }

    void start(Exchange& exchange)
    {
        started_ = std::chrono::steady_clock::now();
        UpstreamRequest request = modelsRequest(target_.config);
        path_ = request.target;
        call_ = target_.client->start(exchange, std::move(request), *this);
    }

    void onHead(const UpstreamAnswer& answer) override { status_ = answer.status; }
    void onBody(std::string_view bytes) override { body_.append(bytes.data(), bytes.size()); }

    void onEnd() override
    {
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
        const ProxyFailure problem = proxyFailure(target_.config, failure);
        observe(problem.label);
        fallBack(problem.message);
    }

    std::vector<std::string>& ids() { return ids_; }
    bool complete() const { return complete_; }

private:
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
    /// The request's target, for messages.
    std::string path_;
    std::unique_ptr<UpstreamCall> call_;
    std::chrono::steady_clock::time_point started_;
    int status_ = 0;
    std::string body_;
    std::vector<std::string> ids_;
    bool complete_ = false;
};

ModelListFetch::ModelListFetch(std::vector<const ProxyTarget*> targets, Done done)
    : targets_(std::move(targets)), done_(std::move(done))
{
}

ModelListFetch::~ModelListFetch()
{
    // The calls before anything they report to.
    listings_.clear();
}

void ModelListFetch::start(Exchange& exchange)
{
    exchange_ = &exchange;
    for (const ProxyTarget* target : targets_)
        listings_.push_back(std::make_unique<Listing>(*this, *target));
    pending_ = listings_.size() + 1;
    for (auto& listing : listings_)
        listing->start(exchange);
    listed(); // the start's own count: `done` runs after every call was started
}

void ModelListFetch::cancel(Exchange&)
{
    listings_.clear(); // closes the calls still in flight
    pending_ = 0;
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
    done_(*exchange_, std::move(lists), complete);
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
