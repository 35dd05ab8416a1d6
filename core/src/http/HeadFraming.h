#pragma once
// What the head parsers (MessageHead.cpp) decide once a head has ended: how its body is framed
// (RFC 9112 §6), whether the connection persists (§9.3) and whether the client expects a 100
// Continue; and how a name or value is quoted in their error messages. Internal to the core.

#include "http/MessageHead.h"
#include <string>
#include <string_view>

namespace portico::detail {

/// At most this many bytes of a name or value are quoted in an error message.
constexpr std::size_t quoteLimit = 64;

/// "0x1F".
std::string hexByte(char c);

/// `text` in single quotes for an error message, which becomes the client's JSON error: printable
/// ASCII as is, any other byte (and '\') as \xNN, cut after quoteLimit bytes ("...").
std::string quoted(std::string_view text);

/// A complete request head's framing, keepAlive and expectContinue (never for HTTP/1.0), from its
/// fields. False, with `error` set, when the framing is ambiguous (Content-Length with
/// Transfer-Encoding, two Content-Lengths, one that is not a number, Transfer-Encoding in
/// HTTP/1.0: 400) or uses a coding other than chunked (501); then (RFC 9112 §3.2) when an
/// HTTP/1.1 request has no Host, any request has more than one, or its value is not
/// uri-host [":" port] (400).
bool requestFraming(RequestHead& head, HeadError& error);

/// A complete answer head's framing and keepAlive (an answer to HEAD, a 1xx, 204 or 304 has no
/// body whatever its fields say, yet the fields must still be unambiguous). False, with `error`
/// set (502 upstream_error), when the framing is ambiguous or not chunked.
bool answerFraming(ResponseHead& head, bool requestWasHead, HeadError& error);

} // namespace portico::detail
