#pragma once
/// GET <url>/models of the upstreams that take every model ("*"), all at once on the
/// exchange's event loop through the core's client; once every list is in, `done` gets them.
/// An upstream that cannot be listed (a failure, a status other than 200, a body without a
/// "data" array) gets its configured model names instead, after a warning that says why.
///
/// A DeferredAnswer: GET /v1/models defers it when the cached lists are stale, and `done`
/// answers the exchange.

#include "ProxyTarget.h"
#include "portico/Deferred.h"
#include "portico/Exchange.h"
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace portico::openai {

class ModelListFetch final : public DeferredAnswer
{
public:
    /// `lists[i]` holds the ids of `targets[i]`; `complete` is false when any upstream had to
    /// fall back to its configured names (such a result should not be cached).
    using Done = std::function<void(Exchange& exchange, std::vector<std::vector<std::string>> lists, bool complete)>;

    ModelListFetch(std::vector<const ProxyTarget*> targets, Done done);
    ~ModelListFetch() override;

    void start(Exchange& exchange) override;
    void cancel(Exchange& exchange) override;

private:
    class Listing;

    /// One more listing has ended; the last one calls `done`.
    void listed();

    std::vector<const ProxyTarget*> targets_;
    Done done_;
    Exchange* exchange_ = nullptr;
    std::vector<std::unique_ptr<Listing>> listings_;
    std::size_t pending_ = 0;
};

/// The ids of an OpenAI model list ({"object":"list","data":[{"id":…},…]}); throws
/// Poco::Exception when the body is not one.
std::vector<std::string> parseModelIds(const std::string& body);

} // namespace portico::openai
