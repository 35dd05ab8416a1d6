#pragma once
/// One buffered HTTP/1.1 request and answer straight on a pooled connection's socket, for the
/// non-streaming proxy path. Poco's HTTPClientSession builds an HTTPRequest and HTTPResponse
/// (sorted header maps), a stream object per message and reads the answer's head one character
/// at a time through std::istream: about half of a proxied request's instructions. Here the
/// head is written in one buffer with the body and the answer is read in large blocks.
///
/// Streams (SSE relays) and GET /models still go through HTTPClientSession: both ways share the
/// connection pool, and after a whole answer a connection carries nothing over.

#include "AnswerLimits.h"
#include "Poco/Net/StreamSocket.h"
#include <string>
#include <string_view>

namespace portico::openai {

/// What the proxy needs of an upstream's answer.
struct WireAnswer
{
    int status = 0;
    std::string contentType;
    /// The upstream's x-request-id (empty when none).
    std::string requestId;
    /// The connection may carry another request: the answer allowed keep-alive (Poco's rule),
    /// its end was framed (length or chunks) and nothing followed it.
    bool keepAlive = false;
    std::string body;
    /// Bytes read from the connection, also when reading failed. 0 after a failure on a reused
    /// connection means the upstream had closed it while idle: the proxy sends the request again.
    std::size_t received = 0;
};

/// Sends `head` and `body` as one write (looping on short writes). Throws what the socket
/// throws.
void sendRequest(Poco::Net::StreamSocket& socket, std::string_view head, std::string_view body);

/// Reads one whole answer (skipping interim 1xx answers). Throws Poco::Net::NoMessageException
/// when the connection closed before the first byte (a stale pooled connection),
/// Poco::Net::MessageException for a malformed head or a final 1xx answer (101 Switching
/// Protocols: no request sent here asks for an upgrade), Poco::IOException when the body ends
/// early, AnswerTooLarge when the body is longer than `maxBodyBytes` (a Content-Length above it
/// before any body byte is read; chunked and close-delimited bodies as soon as they pass it),
/// and what the socket throws (Poco::TimeoutException past the receive timeout). After any
/// throw the connection is out of step and must be closed.
void receiveAnswer(Poco::Net::StreamSocket& socket, WireAnswer& answer,
                   std::size_t maxBodyBytes = DefaultMaxBodyBytes);

} // namespace portico::openai
