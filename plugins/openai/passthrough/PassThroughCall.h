#pragma once
/// One request on a pass-through route (PassThroughConfig.h) forwarded to its upstream, and the
/// answer relayed back as it is, on the event loop that owns the client's connection.
///
/// The request goes as PassThroughHeaders.h says. The answer:
///  - a small one (a Content-Length of at most BufferedAnswerBytes, not an event stream), and
///    every answer without a body (HEAD, 204, 304), is read whole and answered at once: the
///    client gets it with its length, and every plugin's body hook sees it whole;
///  - any other (an event stream, a chunked or close-delimited body, a large file) is relayed
///    as its bytes arrive, unchanged, chunked to the client. Backpressure: while the client is
///    over its high watermark the call is paused (the upstream is not read) until resume().
/// The upstream's status, 4xx and 5xx included, reaches the client as it is. A failure before
/// the answer began is a JSON error (502 upstream_unreachable / upstream_error, 504
/// upstream_timeout); after, the transfer is cut (StreamWriter::fail): the client sees a
/// truncated answer, never a complete-looking one. A client that goes away closes the upstream
/// connection at once (cancel()).
///
/// Records portico_upstream_request_duration_seconds{upstream,status} and upstream_ms.

#include "upstream/ProxyTarget.h"
#include "upstream/WarningThrottle.h"
#include "portico/Deferred.h"
#include "portico/Exchange.h"
#include "portico/Upstream.h"
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace portico::openai {

class PassThroughCall final : public DeferredAnswer, public UpstreamHandler
{
public:
    /// Answers up to this size (declared by Content-Length) are read whole before answering.
    static constexpr std::size_t BufferedAnswerBytes = 1024 * 1024;

    /// `warnings`: the route's (a dead upstream logs at most one warning a second per route).
    PassThroughCall(const ProxyTarget& target, WarningThrottle& warnings);
    ~PassThroughCall() override;

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
        Buffering, ///< reading a small answer whole
        Relaying,  ///< writing the bytes as they come
        Done       ///< answered, failed, or the client left
    };

    /// The client's stream, begun (with the relayed headers) on first use.
    StreamWriter& writer();
    /// Moves the relayed headers onto the exchange's answer.
    void takeHeaders();
    /// upstream_ms and the histogram, with `label` as the status.
    void record(const std::string& label);

    const ProxyTarget& target_;
    WarningThrottle& warnings_;
    Exchange* exchange_ = nullptr;
    std::unique_ptr<UpstreamCall> call_;
    Clock::time_point started_;
    Mode mode_ = Mode::Waiting;
    int status_ = 0;
    std::string contentType_;
    std::string body_;
    /// The upstream's headers that go to the client (relayAnswerHeaders), until the answer is given.
    HeaderList relayed_;
    StreamWriter* writer_ = nullptr;
    /// The call is paused until the client has room again.
    bool paused_ = false;
    /// onEnd or onError came: the call reads nothing more.
    bool callOver_ = false;
};

} // namespace portico::openai
