#include "Ids.h"
#include "portico/Traceparent.h"
#include <chrono>

namespace portico::openai {

std::string newObjectId(const char* prefix)
{
    // The core's trace-id generator is per-thread and seeded from the OS: 32 + 16 hex digits.
    return prefix + newTraceId() + newSpanId();
}

std::int64_t unixNow()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace portico::openai
