#include "SseScanner.h"

namespace portico::loadgen {

SseScanner::SseScanner(EventSink sink) : sink_(std::move(sink)) {}

void SseScanner::feed(std::string_view bytes)
{
    while (!bytes.empty())
    {
        const std::size_t newline = bytes.find('\n');
        if (newline == std::string_view::npos)
        {
            partial_.append(bytes);
            return;
        }
        if (partial_.empty())
            line(bytes.substr(0, newline));
        else
        {
            partial_.append(bytes.substr(0, newline));
            line(partial_);
            partial_.clear();
        }
        bytes.remove_prefix(newline + 1);
    }
}

void SseScanner::line(std::string_view text)
{
    if (!text.empty() && text.back() == '\r')
        text.remove_suffix(1);
    if (text.empty())
    {
        // A blank line dispatches the event; one without data is no event (SSE's rule).
        if (haveData_)
        {
            ++events_;
            sink_(event_, data_);
        }
        event_.clear();
        data_.clear();
        haveData_ = false;
        return;
    }
    const std::size_t colon = text.find(':');
    const std::string_view field = text.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    if (field == "event")
        event_.assign(value);
    else if (field == "data")
    {
        if (haveData_)
            data_.push_back('\n');
        data_.append(value);
        haveData_ = true;
    }
}

} // namespace portico::loadgen
