#pragma once
/// One request and its answer as it travels through the chain.
///
/// The core builds an Exchange from the HTTP request (with the body already read, bounded by
/// server.max_body_bytes), runs the request hooks, the route's handler, the response-head hooks
/// and the completion hooks over it. Plugins talk to each other through its attributes (the
/// trace id, the principal, token usage; see Attributes.h).
///
/// An Exchange is used by one thread at a time; it is not thread-safe.

#include "portico/Response.h"
#include "portico/StreamWriter.h"
#include "Poco/Net/NameValueCollection.h"
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace portico {

class ResponseSink;

class Exchange
{
public:
    using Clock = std::chrono::steady_clock;

    /// `target` is the request target as sent ("/v1/models?x=1"); it is split into path and
    /// query here.
    Exchange(std::string method, const std::string& target, Poco::Net::NameValueCollection headers,
             std::string body, std::string clientAddress);
    ~Exchange();

    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    // --- the request --------------------------------------------------------------------
    const std::string& method() const { return method_; }
    /// The path without the query, as sent (percent-encoding kept).
    const std::string& path() const { return path_; }
    /// The raw query string without the '?'; empty when there is none.
    const std::string& query() const { return query_; }
    const Poco::Net::NameValueCollection& requestHeaders() const { return requestHeaders_; }
    /// The first value of a request header (case-insensitive name), or `fallback`.
    const std::string& requestHeader(const std::string& name, const std::string& fallback = empty()) const;
    const std::string& body() const { return body_; }
    const std::string& clientAddress() const { return clientAddress_; }
    Clock::time_point startedAt() const { return startedAt_; }

    /// Set by the core when the body was over server.max_body_bytes and was not read; the core
    /// answers 413 in place of the handler. Plugins that look at the body should skip it.
    bool bodyTooLarge() const { return bodyTooLarge_; }
    void markBodyTooLarge() { bodyTooLarge_ = true; }

    // --- routing (filled in by the core before the request hooks run) --------------------
    /// The matched route's pattern ("/v1/models/{id}"), or empty when no route matched. Use it,
    /// not path(), as a label: it has no ids and no query.
    const std::string& route() const { return route_; }
    void setRoute(std::string pattern) { route_ = std::move(pattern); }
    /// A `{name}` segment of the matched route, or empty.
    std::string pathParam(const std::string& name) const;
    void setPathParam(const std::string& name, std::string value) { pathParams_[name] = std::move(value); }

    // --- attributes: how plugins pass facts to each other --------------------------------
    void set(const std::string& key, std::string value) { attributes_[key] = std::move(value); }
    /// The attribute's value, or nullptr.
    const std::string* find(const std::string& key) const;
    std::string get(const std::string& key, const std::string& fallback = empty()) const;

    // --- the answer ----------------------------------------------------------------------
    Response& response() { return response_; }
    const Response& response() const { return response_; }
    bool answered() const { return response_.source != AnswerSource::None; }

    /// A buffered answer. The core sends it after the response-head hooks have run. Called from
    /// a request hook, it stops the walk inwards (short-circuit).
    void respond(int status, std::string body, std::string contentType = "application/json");
    /// An answer in OpenAI's error shape {"error":{"message","type","param","code"}};
    /// empty `param` or `code` become null.
    void respondError(int status, const std::string& message, const std::string& type,
                      const std::string& code, const std::string& param = empty());

    /// Starts a streamed answer (handlers only). Nothing is sent until the first write.
    StreamWriter& stream(int status = 200, std::string contentType = "text/event-stream");

    // --- wiring used by the core's chain runner -------------------------------------------
    /// Who the next respond()/stream() is attributed to.
    void setAnswerSource(AnswerSource source) { pendingSource_ = source; }
    /// The sink that puts bytes on the wire, and the callbacks the stream runs: `beforeCommit`
    /// (the response-head hooks) once before the first byte, `observe` for every chunk.
    void attach(ResponseSink* sink, std::function<void()> beforeCommit,
                std::function<void(std::string_view)> observe);
    /// Drops a not-yet-committed answer so the core can replace it (a hook threw).
    void resetAnswer();
    ResponseSink* sink() const { return sink_; }

    static const std::string& empty();

private:
    class Stream;

    std::string method_;
    std::string path_;
    std::string query_;
    Poco::Net::NameValueCollection requestHeaders_;
    std::string body_;
    std::string clientAddress_;
    Clock::time_point startedAt_;
    bool bodyTooLarge_ = false;

    std::string route_;
    std::map<std::string, std::string> pathParams_;
    std::map<std::string, std::string> attributes_;

    Response response_;
    AnswerSource pendingSource_ = AnswerSource::Hook;
    ResponseSink* sink_ = nullptr;
    std::function<void()> beforeCommit_;
    std::function<void(std::string_view)> observe_;
    std::unique_ptr<Stream> stream_;
};

/// Where an Exchange's bytes go. The core's implementation writes to the Poco response;
/// tests use an in-memory one.
class ResponseSink
{
public:
    virtual ~ResponseSink() = default;
    /// Sends status, headers and the whole body of a buffered answer.
    virtual void sendWhole(const Response& response) = 0;
    /// Sends status and headers of a chunked answer. False when the client is gone.
    virtual bool beginStream(const Response& response) = 0;
    /// Writes and flushes one chunk. False when the client is gone.
    virtual bool writeChunk(std::string_view chunk) = 0;
    /// Ends the chunked answer (the zero-length chunk).
    virtual void endStream() = 0;
};

} // namespace portico
