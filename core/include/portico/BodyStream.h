#pragma once
/// A request body that is still arriving while its request is served: what a route that asks
/// for it (Route::streamedBody, such as a pass-through route) gets in place of a body read
/// whole. The core reads the client's bytes into it as they come (chunked coding removed) and
/// stops reading while more than BufferLimit of them wait to be taken, so a body of any size
/// holds a bounded buffer, and a consumer that is slow (an upstream that reads slowly) slows
/// the client down through TCP, as a proxy must.
///
/// Use it from the event loop only: a DeferredAnswer's start() and its callbacks (an
/// UpstreamRequest takes it as its body and sends it as it comes; see Upstream.h).
///
///     BodyStream* body = exchange.bodyStream().get();
///     body->setListener([this] { pump(); });   // more bytes, the end, or a failure
///     void pump() {
///         std::string_view bytes = body->available();
///         ... send some of bytes ...; body->consume(n);
///         if (body->ended() && body->available().empty()) ... done;
///     }
///
/// server.max_body_bytes does not apply to it (the upstream decides what it takes);
/// server.body_timeout_seconds does, between two reads from a client that is not held back.

#include "portico/Api.h"
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace portico {

class PORTICO_API BodyStream
{
public:
    /// Bytes that may wait to be taken before the core stops reading from the client.
    static constexpr std::size_t BufferLimit = 64 * 1024;

    virtual ~BodyStream();

    /// The body's Content-Length, or -1 when it comes chunked (its length is known at its end).
    virtual long long declaredLength() const = 0;
    /// The bytes received and not consumed yet (valid until the next call on this object).
    virtual std::string_view available() const = 0;
    /// Takes the first `bytes` of available().
    virtual void consume(std::size_t bytes) = 0;
    /// The whole body was received (available() may still hold its last bytes).
    virtual bool ended() const = 0;
    /// The body will never end: the client went away, stalled past the body timeout, or sent
    /// malformed chunked framing. What was received is not a complete body.
    virtual bool failed() const = 0;
    /// Body bytes received so far (consumed or not).
    virtual std::uint64_t received() const = 0;
    /// Called on the loop, never from inside consume() or the caller's own frames, after bytes
    /// arrived, the body ended or it failed. One listener; an empty function removes it.
    virtual void setListener(std::function<void()> listener) = 0;
};

} // namespace portico
