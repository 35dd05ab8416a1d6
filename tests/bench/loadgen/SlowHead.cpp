#include "SlowHead.h"
#include <algorithm>

namespace portico::loadgen {

SlowHead::SlowHead(std::string path, std::string host, std::chrono::nanoseconds interval, int maxLines)
    : path_(std::move(path)), host_(std::move(host)), interval_(interval), maxLines_(std::max(1, maxLines))
{
    if (interval_.count() <= 0)
        interval_ = std::chrono::seconds(1);
}

int SlowHead::linesDue(std::chrono::nanoseconds elapsed) const
{
    if (elapsed.count() < 0)
        return 0;
    const long long due = 1 + elapsed.count() / interval_.count();
    return static_cast<int>(std::min<long long>(due, maxLines_));
}

std::string SlowHead::line(int k) const
{
    if (k <= 0)
        return "GET " + path_ + " HTTP/1.1\r\n";
    if (k == 1)
        return "Host: " + host_ + "\r\n";
    return "X-Slow-" + std::to_string(k - 1) + ": 1\r\n";
}

} // namespace portico::loadgen
