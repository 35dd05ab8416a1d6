#pragma once
/// The server span's attributes that repeat from request to request of one client on one
/// route, kept in their encoded form: the method, the route, the Host and User-Agent headers,
/// the client's address (not its port), and the GenAI operation, provider and requested model.
/// Ten of a server span's twenty attributes, written again for every sampled request of an SDK
/// that calls one model; encoding them costs about a quarter of the plugin's time on the event
/// loop, and comparing what they come from, then copying their bytes, a tenth of that.
///
/// One per encoder per thread (OtelPlugin's scratch): the bytes are that encoder's format, and
/// nothing is shared between threads. It keeps a few sets, for the few clients and routes a
/// loop serves at once, and replaces the oldest when a new one comes.

#include "SpanEncoder.h"
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace portico::otel {

/// What the repeated attributes are made of. `operation` and `provider` follow from the route,
/// so they are not compared; empty `route`, `host`, `userAgent`, `clientHost` or `model` leave
/// their attributes out.
struct RepeatedInputs
{
    std::string_view method;
    std::string_view route;
    std::string_view host; ///< the Host header as sent: server.address and server.port
    std::string_view userAgent;
    std::string_view clientHost; ///< the client's address without its port
    const char* operation = nullptr; ///< gen_ai.operation.name; null: not a GenAI request
    std::string_view provider;       ///< gen_ai.provider.name (with operation only)
    std::string_view model;          ///< gen_ai.request.model (with operation only)
};

class RepeatedAttributes
{
public:
    /// Writes the attributes of `inputs` into `span` (after its begin(), before its events):
    /// the kept bytes when a set was made of the same inputs, else encoded, then kept.
    void write(SpanEncoder& span, const RepeatedInputs& inputs);

    /// Writes them without keeping anything (what write() does on a miss).
    static void encode(SpanEncoder& span, const RepeatedInputs& inputs);

private:
    struct Kept
    {
        std::string method, route, host, userAgent, clientHost, model;
        std::string encoded;
        bool used = false;

        bool matches(const RepeatedInputs& inputs) const;
    };
    static constexpr std::size_t Capacity = 4;
    std::array<Kept, Capacity> kept_{};
    std::size_t oldest_ = 0;
};

/// "host:port", "[v6]:port" or "host" split; port 0 when absent (or not a port).
std::pair<std::string_view, int> splitHostPort(std::string_view text);

} // namespace portico::otel
