#include "http/HttpDate.h"
#include <time.h>

namespace portico {

namespace {

void appendTwoDigits(std::string& out, int value)
{
    out += static_cast<char>('0' + value / 10);
    out += static_cast<char>('0' + value % 10);
}

} // namespace

void appendHttpDate(std::string& out, std::time_t seconds)
{
    static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm utc;
    gmtime_r(&seconds, &utc);
    out.append(days[utc.tm_wday], 3);
    out += ", ";
    appendTwoDigits(out, utc.tm_mday);
    out += ' ';
    out.append(months[utc.tm_mon], 3);
    out += ' ';
    const int year = utc.tm_year + 1900;
    appendTwoDigits(out, year / 100);
    appendTwoDigits(out, year % 100);
    out += ' ';
    appendTwoDigits(out, utc.tm_hour);
    out += ':';
    appendTwoDigits(out, utc.tm_min);
    out += ':';
    appendTwoDigits(out, utc.tm_sec);
    out += " GMT";
}

const std::string& httpDateNow()
{
    thread_local std::time_t cachedSecond = -1;
    thread_local std::string cached;
    // The coarse clock is read from the vDSO without a system call; its tick (a few ms) is far
    // finer than the header's one-second resolution.
    struct timespec now;
    clock_gettime(CLOCK_REALTIME_COARSE, &now);
    if (now.tv_sec != cachedSecond)
    {
        cached.clear();
        appendHttpDate(cached, now.tv_sec);
        cachedSecond = now.tv_sec;
    }
    return cached;
}

} // namespace portico
