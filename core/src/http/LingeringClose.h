#pragma once
// Lingering close (as nginx does): closing a socket while the client's unread request body is
// still arriving makes the kernel answer with a reset, and a reset can destroy our answer (a 413)
// before the client has read it. So, when a handler answered without reading the body, the
// connection first shuts its sending side, then reads and discards what the client still sends,
// for a bounded time and size, and only then closes.

#include "Poco/Net/StreamSocket.h"

namespace portico {

/// Called by the request handler (on the connection's thread) when it leaves body bytes unread.
void requestLingeringClose();
/// True once after requestLingeringClose() on this thread; clears the request.
bool takeLingeringCloseRequest();
/// Shuts the sending side, then discards incoming bytes until the client closes, 2 s pass or
/// 8 MiB were read. Never throws.
void lingeringClose(Poco::Net::StreamSocket& socket);

} // namespace portico
