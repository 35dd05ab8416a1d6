#pragma once
/// What the proxy and the pass-through routes read off an upstream answer's head.

#include "portico/Upstream.h"
#include <string_view>

namespace portico::openai {

/// True when the Content-Type (parameters ignored) is text/event-stream.
bool isEventStream(std::string_view contentType);

/// The answer's Content-Length, or -1 when it has none (the core's client has checked that it
/// is one number).
long long declaredLength(const UpstreamAnswer& answer);

} // namespace portico::openai
