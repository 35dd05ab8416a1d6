#pragma once
/// The server span's attributes that repeat from request to request of one client, kept in
/// their encoded form: all but the client's port and the usage (ids, times, the name and the
/// status are the span's head and tail, not attributes). An SDK that calls one model with the
/// same settings sends requests that differ in their prompts, which spans never carry: its
/// spans differ only in those. Encoding the repeated attributes is most of the plugin's time
/// on the event loop; comparing what they are made of, then copying their bytes, a quarter of it.
///
/// One per encoder per thread (OtelPlugin's scratch): the bytes are that encoder's format, and
/// nothing is shared between threads. It keeps a few sets, for the few clients and routes a
/// loop serves at once, and replaces the oldest when a new one comes.

#include "SpanEncoder.h"
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace portico::otel {

/// What the repeated attributes are made of. `operation` and `provider` follow from the route,
/// so they are not compared. An empty view, a zero status or an absent optional leaves its
/// attribute out.
struct RepeatedInputs
{
    std::string_view method;
    bool secure = false; ///< url.scheme https (else http)
    std::string_view path;
    std::string_view route;
    int status = 0;        ///< http.response.status_code
    std::string_view host; ///< the Host header as sent: server.address and server.port
    std::string_view userAgent;
    std::string_view clientHost; ///< the client's address without its port
    /// The GenAI attributes, written only with an operation (a GenAI route).
    const char* operation = nullptr; ///< gen_ai.operation.name
    std::string_view provider;       ///< gen_ai.provider.name and gen_ai.system
    std::string_view model;          ///< gen_ai.request.model
    std::optional<long long> maxTokens;
    std::optional<std::string_view> responseModel; ///< present and empty: written empty
    std::string_view finishReasons;                ///< one per line
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
        std::string method, path, route, host, userAgent, clientHost, model, finishReasons;
        int status = 0;
        bool secure = false;
        std::optional<long long> maxTokens;
        std::optional<std::string> responseModel;
        std::string encoded; ///< empty: nothing kept here yet (a kept set has the method at least)

        bool matches(const RepeatedInputs& inputs) const;
    };
    static constexpr std::size_t Capacity = 4;
    std::array<Kept, Capacity> kept_{};
    std::size_t oldest_ = 0;
};

/// "host:port", "[v6]:port" or "host" split; port 0 when absent (or not a port).
std::pair<std::string_view, int> splitHostPort(std::string_view text);

} // namespace portico::otel
