#pragma once
/// One client request forwarded to an upstream and its answer relayed back, on the event loop
/// that owns the client's connection: no thread waits for the upstream.
///
/// The handler defers it (Exchange::defer); start() sends the request through the core's client
/// (forwardedRequest: the upstream's key, never the client's; the body unchanged) and the
/// answer comes back through the UpstreamHandler callbacks:
///  - read whole (capped by max_body_bytes) and answered as the upstream gave it (status,
///    Content-Type, body; its 4xx and 5xx too), with X-Upstream-Request-Id and the usage;
///  - relayed event by event when the client asked for stream: true and the upstream answers
///    200 text/event-stream: each event is written as soon as its blank line has arrived, byte
///    for byte. Backpressure: while the client is over its high watermark the call is paused
///    (the upstream is not read); what waits is at most one read plus the SSE framer's partial
///    event. resume() goes on.
/// Failures: before anything reached the client, a JSON error (502/504, ProxyFailure); after,
/// an `event: error` and the transfer cut (StreamWriter::fail: the client sees the truncation,
/// every plugin an Outcome::Error). A stream that ends without its final event (`data: [DONE]`,
/// response.completed / .incomplete / .failed, an error) is such a failure too. So is a stream
/// the upstream ends with a failure of its own (`event: error`, response.failed, a chat
/// `data: {"error":…}` chunk): that event is relayed as the upstream sent it, then the transfer
/// is cut (no second error event). Nothing is written while the client is over its high
/// watermark: a failure that comes then waits for resume(), after the events before it. One
/// warning per failure. A client that goes away closes the upstream connection at once
/// (cancel()).
///
/// An upstream of type anthropic gets the chat request translated to a Messages request (POST
/// <url>/messages; a request it cannot honour is a 400 naming the field, nothing sent), and its
/// answers are translated back before anything else sees them: a message to a chat.completion,
/// an error to OpenAI's error object, its event stream to chat chunks (AnthropicStream), so the
/// relay, usage counting and the router work on what an OpenAI upstream would have sent.
///
/// A /v1/messages request served by an OpenAI-compatible upstream comes here as a chat request
/// (anthropic/ChatFromMessages.h; apiPath "/chat/completions" on an Anthropic API path): its
/// answer, error or stream goes to the client in Anthropic's shape (MessagesFromChat.h,
/// MessagesFromChatStream.h), after the router and usage counting have seen the chat answer.
///
/// Sets usage.input_tokens / usage.output_tokens and upstream_ms, appends the attempt to
/// upstream.attempts (AttemptTrace: a span id of its own in the traceparent sent); records
/// portico_upstream_request_duration_seconds.

#include "AnthropicStream.h"
#include "AttemptTrace.h"
#include "MessagesFromChatStream.h"
#include "ProxyFailure.h"
#include "ProxyTarget.h"
#include "SseFramer.h"
#include "portico/Deferred.h"
#include "portico/Exchange.h"
#include "portico/Upstream.h"
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace portico::openai {

/// How one attempt ended while nothing had reached the client, for a caller that may try
/// elsewhere (the model router, routing/RoutedCall).
struct AttemptOutcome
{
    /// No usable answer: could not connect, timed out, broke before the first event, ...
    const ProxyFailure* failure = nullptr;
    /// Otherwise the upstream's answer, read whole: its status, Content-Type and body.
    int status = 0;
    std::string_view contentType;
    std::string_view body;
    /// A 429's or 503's Retry-After, in whole seconds; 0 when absent.
    std::chrono::seconds retryAfter{0};
};

/// Told how a ProxyCall's attempt goes, by the call, on the exchange's loop.
class AttemptObserver
{
public:
    virtual ~AttemptObserver() = default;
    /// The attempt's outcome, before it is answered: true when the observer will answer the
    /// exchange itself (another attempt); the call then sends nothing and only records its metric.
    virtual bool takeOver(const AttemptOutcome& outcome) = 0;
    /// The first event of a stream is going to the client: the attempt has won.
    virtual void relaying() = 0;
};

/// What a routed attempt changes: the client (a deployment's: its timeouts, no retries of its
/// own), the body (with the deployment's model) and who hears of the outcome.
struct AttemptSettings
{
    UpstreamClient* client = nullptr;
    std::string body;
    AttemptObserver* observer = nullptr;
};

class ProxyCall final : public DeferredAnswer, public UpstreamHandler
{
public:
    /// POST `apiPath` (below the upstream's URL, "/chat/completions"); `stream`: the client asked
    /// for stream: true.
    ProxyCall(const ProxyTarget& target, std::string apiPath, bool stream);
    /// The same for one attempt of the model router.
    ProxyCall(const ProxyTarget& target, std::string apiPath, bool stream, AttemptSettings attempt);
    ~ProxyCall() override;

    void start(Exchange& exchange) override;
    void resume(Exchange& exchange) override;
    void cancel(Exchange& exchange) override;

    void onHead(const UpstreamAnswer& answer) override;
    void onBody(std::string_view bytes) override;
    void onEnd() override;
    void onError(const UpstreamFailure& failure) override;

private:
    using Clock = std::chrono::steady_clock;

    enum class Mode
    {
        Waiting,   ///< no head yet
        Buffering, ///< reading the answer whole
        Relaying,  ///< relaying an event stream
        Done       ///< answered (or failed, or the client left)
    };

    /// Writes the whole events the framer holds while the client has room; pauses the call when
    /// it has none. True when every whole event was written.
    bool relayEvents();
    /// The upstream's stream ended and every whole event is out: the last one, then the end.
    void finishRelay();
    /// Buffered: the answer as the upstream gave it.
    void answerBuffered();
    /// A JSON error before the stream began; after, `event: error` (unless `sendEvent` is
    /// false: the upstream's own error event went out already) and the transfer cut.
    void fail(const ProxyFailure& failure, bool sendEvent = true);
    /// Stops relaying until resume(), and reading the upstream (unless its answer is over).
    void pause();
    void setUsage(const std::optional<Usage>& usage);
    /// upstream_ms and the histogram, with `label` as the status.
    void record(const std::string& label);

    /// An Anthropic upstream: the Messages request for chat request `chat` in `translated`;
    /// false when there is none (the client has its 400, the call is done).
    bool translateForAnthropic(Exchange& exchange, std::string_view chat, std::optional<std::string>& translated);
    /// An Anthropic upstream serving a chat completions request (translated both ways); a
    /// /v1/messages request goes to it as it is.
    bool translatesChat() const { return target_.config.anthropic() && endsWith(apiPath_, "/chat/completions"); }
    static bool endsWith(std::string_view text, std::string_view suffix)
    {
        return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
    }
    /// Upstream stream bytes to the framer (translated first for an Anthropic upstream).
    void feedFramer(std::string_view bytes);
    /// What the client gets for upstream event `event` (in `out`): the event, without the usage
    /// only the proxy asked for, in Anthropic's shape for a /v1/messages client; false when
    /// nothing.
    bool forClient(std::string_view event, std::string_view& out);
    /// Offers the outcome to the attempt's observer (true: it answers).
    bool handedOver(const AttemptOutcome& outcome);

    const ProxyTarget& target_;
    const std::string apiPath_;
    const bool stream_;
    std::optional<AttemptSettings> attempt_;
    std::chrono::seconds retryAfter_{0};
    /// The proxy asked this chat stream for its usage on the client's behalf: the client gets
    /// each event as it would have without (StreamUsage.h's clientView).
    bool hideUsage_ = false;
    std::string clientEvent_;
    Exchange* exchange_ = nullptr;
    std::unique_ptr<UpstreamCall> call_;
    Clock::time_point started_;
    Mode mode_ = Mode::Waiting;
    int status_ = 0;
    std::string contentType_;
    std::string body_;
    SseFramer framer_;
    /// An Anthropic upstream's event stream, translated to chat chunks before the framer sees them.
    std::optional<AnthropicStream> anthropicStream_;
    std::string translated_;
    /// The client asked /v1/messages and this is a chat request translated from it: answers go
    /// back in Anthropic's shape (MessagesFromChat.h), streams through messagesStream_.
    bool answersMessages_ = false;
    std::optional<MessagesFromChatStream> messagesStream_;
    std::string messagesEvent_;
    /// The client's stream, from the first relayed event on.
    StreamWriter* writer_ = nullptr;
    /// The relay stopped for lack of room with the client; resume() goes on.
    bool waitingForRoom_ = false;
    /// The call is paused (the upstream is not read).
    bool paused_ = false;
    /// onEnd or onError has come: nothing more will (pause() would be pointless).
    bool callOver_ = false;
    /// The upstream's stream ended while events still waited for the client.
    bool upstreamEnded_ = false;
    /// The call failed while events still waited for the client: reported once they are out.
    std::optional<ProxyFailure> pendingFailure_;
    /// This attempt's span id and its line in attr::UpstreamAttempts (for the otel plugin).
    AttemptTrace trace_;
};

} // namespace portico::openai
