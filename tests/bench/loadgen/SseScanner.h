#pragma once
/// Splits a server-sent-events body into events as its bytes arrive (any split): each event's
/// `event:` name (empty when it has none) and its `data:` lines joined by '\n'. Comments and
/// other fields (id:, retry:) are skipped. Enough to tell a stream's first event, its end
/// ([DONE], response.completed) and an `error` event apart.

#include <functional>
#include <string>
#include <string_view>

namespace portico::loadgen {

class SseScanner
{
public:
    using EventSink = std::function<void(std::string_view event, std::string_view data)>;

    explicit SseScanner(EventSink sink);

    /// Feeds decoded body bytes; calls the sink for every event completed by them.
    void feed(std::string_view bytes);
    /// Events seen so far.
    unsigned long long events() const { return events_; }

private:
    void line(std::string_view text);

    EventSink sink_;
    std::string partial_;
    std::string event_;
    std::string data_;
    bool haveData_ = false;
    unsigned long long events_ = 0;
};

} // namespace portico::loadgen
