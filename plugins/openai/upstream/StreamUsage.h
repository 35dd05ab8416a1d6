#pragma once
/// Exact usage for relayed chat streams. A chat completions stream reports its token usage only
/// when the request asks for it (`stream_options.include_usage`); without it the proxy could not
/// count the tokens of a stream (rate limits, metrics). So the proxy asks for it, and gives the
/// client the stream it would have got without asking: the extra usage chunk (`"choices":[]`
/// with a `usage` object) is left out, and the `"usage":null` that include_usage adds at the end
/// of every other chunk is removed. A client that asked for usage gets the stream unchanged.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace portico::openai {

/// `body` (a chat completions request the proxy has accepted) asking for usage: nothing when it
/// asks already (`"stream_options":{"include_usage":true}`), else the body with
/// `stream_options.include_usage` set to true (added to a `stream_options` object it has, or a
/// new member first in the object). Spliced when JsonObjectScanner reads the body plainly;
/// otherwise parsed with Poco and written back (the meaning kept, not the formatting).
std::optional<std::string> withStreamUsage(std::string_view body, std::size_t maxDepth);

/// One whole SSE event of a stream whose usage the proxy asked for on the client's behalf:
/// false when the client must not see it (the usage chunk); else true, with `out` the event as
/// the client would have had it (a trailing `,"usage":null` of the data removed).
bool clientView(std::string_view event, std::string& out);

} // namespace portico::openai
