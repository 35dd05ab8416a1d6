#pragma once
// The core's BodyStream (portico/BodyStream.h): the connection appends the client's body bytes
// as it reads them, the route's handler (through the upstream client) takes them. Between the
// two, a buffer that the connection keeps under BodyStream::BufferLimit by not reading from the
// client while it is full, and two wake-ups, each posted to the loop so that neither side is
// ever called back from inside its own frames: the consumer's listener (bytes, end, failure)
// and the producer's room callback (the consumer took enough that reading may go on).
//
// Loop thread only. Shared by the connection and the Exchange (and so the upstream request);
// the connection detaches its callback when it closes.

#include "portico/BodyStream.h"
#include <functional>
#include <memory>
#include <string>

namespace portico {

class EventLoop;

class RequestBodyStream final : public BodyStream, public std::enable_shared_from_this<RequestBodyStream>
{
public:
    RequestBodyStream(EventLoop& loop, long long declaredLength);

    // BodyStream (the consumer's side)
    long long declaredLength() const override { return declared_; }
    std::string_view available() const override;
    void consume(std::size_t bytes) override;
    bool ended() const override { return ended_; }
    bool failed() const override { return failed_; }
    std::uint64_t received() const override { return received_; }
    void setListener(std::function<void()> listener) override;

    // the producer's side (the connection)
    /// Where the connection appends decoded bytes; call appended() after.
    std::string& buffer() { return buffer_; }
    /// `bytes` more were appended to buffer().
    void appended(std::size_t bytes);
    void end();
    void fail();
    /// Bytes waiting to be taken.
    std::size_t waiting() const { return buffer_.size() - offset_; }
    /// At or over BufferLimit: the connection stops reading from the client.
    bool full() const { return waiting() >= BufferLimit; }
    /// Called (posted) once the consumer has taken the buffer below half of BufferLimit after
    /// it was full. Empty: none (the connection closed).
    void setRoomCallback(std::function<void()> callback) { room_ = std::move(callback); }

private:
    void notifyConsumer();

    EventLoop& loop_;
    const long long declared_;
    std::string buffer_;
    std::size_t offset_ = 0; ///< bytes of buffer_ already consumed
    std::uint64_t received_ = 0;
    bool ended_ = false;
    bool failed_ = false;
    bool wasFull_ = false;
    bool consumerPosted_ = false;
    bool roomPosted_ = false;
    std::function<void()> listener_;
    std::function<void()> room_;
};

} // namespace portico
