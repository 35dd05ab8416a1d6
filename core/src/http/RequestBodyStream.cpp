#include "http/RequestBodyStream.h"
#include "event/EventLoop.h"
#include <algorithm>

namespace portico {

RequestBodyStream::RequestBodyStream(EventLoop& loop, long long declaredLength)
    : loop_(loop), declared_(declaredLength)
{
}

std::string_view RequestBodyStream::available() const
{
    return std::string_view(buffer_).substr(offset_);
}

void RequestBodyStream::consume(std::size_t bytes)
{
    offset_ += std::min(bytes, waiting());
    if (offset_ == buffer_.size())
    {
        buffer_.clear();
        offset_ = 0;
    }
    else if (offset_ >= BufferLimit / 2)
    {
        // Moved down rarely (the consumer usually takes all): the buffer stays bounded.
        buffer_.erase(0, offset_);
        offset_ = 0;
    }
    if (wasFull_ && waiting() < BufferLimit / 2 && !roomPosted_)
    {
        wasFull_ = false;
        roomPosted_ = true;
        std::weak_ptr<RequestBodyStream> weak = shared_from_this();
        loop_.post([weak] {
            auto self = weak.lock();
            if (!self)
                return;
            self->roomPosted_ = false;
            if (self->room_)
            {
                const auto room = self->room_; // it may replace itself
                room();
            }
        });
    }
}

void RequestBodyStream::setListener(std::function<void()> listener)
{
    listener_ = std::move(listener);
    if (listener_ && (waiting() > 0 || ended_ || failed_))
        notifyConsumer(); // what came before it was set
}

void RequestBodyStream::appended(std::size_t bytes)
{
    received_ += bytes;
    if (full())
        wasFull_ = true;
    if (bytes > 0)
        notifyConsumer();
}

void RequestBodyStream::end()
{
    if (ended_ || failed_)
        return;
    ended_ = true;
    notifyConsumer();
}

void RequestBodyStream::fail()
{
    if (ended_ || failed_)
        return;
    failed_ = true;
    room_ = nullptr;
    notifyConsumer();
}

void RequestBodyStream::notifyConsumer()
{
    if (consumerPosted_ || !listener_)
        return;
    consumerPosted_ = true;
    std::weak_ptr<RequestBodyStream> weak = shared_from_this();
    loop_.post([weak] {
        auto self = weak.lock();
        if (!self)
            return;
        self->consumerPosted_ = false;
        if (self->listener_)
        {
            const auto listener = self->listener_; // it may remove itself
            listener();
        }
    });
}

} // namespace portico
