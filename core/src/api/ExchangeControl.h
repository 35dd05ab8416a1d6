#pragma once
// The core's access to an Exchange's wiring: what the chain runner and the connection set on it
// and read back, which the public Exchange does not offer to plugins. Header-only (inline), so
// it exports nothing from libportico-core.so.

#include "api/ExchangeHost.h"
#include "portico/Deferred.h"
#include "portico/Exchange.h"
#include "Poco/Exception.h"
#include <memory>

namespace portico {

class ExchangeControl
{
public:
    using StreamState = Exchange::StreamState;

    static void attach(Exchange& exchange, ExchangeHost* host) { exchange.host_ = host; }
    static ExchangeHost* host(const Exchange& exchange) { return exchange.host_; }

    static void setRoute(Exchange& exchange, std::string pattern) { exchange.route_ = std::move(pattern); }
    static void setListener(Exchange& exchange, Listener listener) { exchange.listener_ = listener; }
    static void setSecure(Exchange& exchange, bool secure) { exchange.secure_ = secure; }
    static void addPathParam(Exchange& exchange, std::string name, std::string value)
    {
        exchange.pathParams_.emplace_back(std::move(name), std::move(value));
    }
    static void markBodyTooLarge(Exchange& exchange) { exchange.bodyTooLarge_ = true; }
    /// The body of a streamed-body route, still arriving.
    static void attachBodyStream(Exchange& exchange, std::shared_ptr<BodyStream> stream)
    {
        exchange.bodyStream_ = std::move(stream);
    }
    /// Makes room for `count` response headers before the hooks run (see
    /// Chain::responseHeadersHint). Capacity only: nothing a plugin sees changes.
    static void reserveResponseHeaders(Exchange& exchange, std::uint32_t count)
    {
        exchange.response_.headers.reserve(count);
    }
    /// The request's headers and the answer's, taken out when the request is over, so that
    /// their strings serve the next request (RecycledHeaderLists). The exchange is left with
    /// empty lists.
    static HeaderList takeRequestHeaders(Exchange& exchange) { return std::move(exchange.requestHeaders_); }
    static HeaderList takeResponseHeaders(Exchange& exchange) { return std::move(exchange.response_.headers); }
    /// Gives a new exchange's answer a recycled list (cleared) before any hook runs.
    static void adoptResponseHeaders(Exchange& exchange, HeaderList&& headers)
    {
        headers.clear();
        exchange.response_.headers = std::move(headers);
    }
    /// An exchange's attribute values: what RecycledAttributes keeps between requests.
    using AttributeValues = decltype(Exchange::attributes_);
    /// Takes a finished exchange's attribute values, to recycle them.
    static AttributeValues takeAttributes(Exchange& exchange) { return std::move(exchange.attributes_); }
    /// Marks every entry absent, its value's buffer kept (RecycledAttributes, when a finished
    /// exchange's values are given back).
    static void markAttributesAbsent(AttributeValues& values)
    {
        for (auto& attribute : values)
            attribute.present = false;
    }
    /// Gives a new exchange recycled attribute values (none present: RecycledAttributes marked
    /// them) before any hook runs.
    static void adoptAttributes(Exchange& exchange, AttributeValues&& values)
    {
        exchange.attributes_ = std::move(values);
    }
    /// Who the next respond()/stream() is attributed to.
    static void setAnswerSource(Exchange& exchange, AnswerSource source) { exchange.pendingSource_ = source; }

    /// Drops a not-yet-committed answer so the core can replace it (a hook threw). An open
    /// stream writer is retired: the handler may still hold it, and every later write fails.
    static void resetAnswer(Exchange& exchange)
    {
        Response& response = exchange.response_;
        if (response.committed)
            throw Poco::IllegalStateException("resetAnswer() after the answer was committed");
        response.status = 0;
        response.body.clear();
        response.contentType = "application/json";
        response.streamed = false;
        response.source = AnswerSource::None;
        if (exchange.streamState_ == StreamState::Open)
            exchange.streamState_ = StreamState::Retired;
    }

    static StreamState streamState(const Exchange& exchange) { return exchange.streamState_; }
    /// The client went away while a blocking writer was not looking: its next write fails.
    static void markStreamGone(Exchange& exchange)
    {
        if (exchange.streamState_ == StreamState::Open)
            exchange.streamState_ = StreamState::Gone;
        exchange.response_.clientGone = true;
    }

    /// The deferred task, if the handler called defer().
    static DeferredAnswer* deferred(const Exchange& exchange) { return exchange.deferred_.get(); }
    /// Destroys the deferred task (the exchange is over).
    static void dropDeferred(Exchange& exchange) { exchange.deferred_.reset(); }
};

} // namespace portico
