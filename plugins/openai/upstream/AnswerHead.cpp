#include "AnswerHead.h"
#include "portico/AsciiCase.h"
#include "portico/Exchange.h"
#include <algorithm>
#include <cstdlib>

namespace portico::openai {

bool isEventStream(std::string_view contentType)
{
    contentType = contentType.substr(0, contentType.find(';'));
    while (!contentType.empty() && (contentType.back() == ' ' || contentType.back() == '\t'))
        contentType.remove_suffix(1);
    return equalsIgnoringCase(contentType, "text/event-stream");
}

long long declaredLength(const UpstreamAnswer& answer)
{
    const std::string& value = answer.headers.get("Content-Length", Exchange::empty());
    if (value.empty())
        return -1;
    char* end = nullptr;
    const unsigned long long length = std::strtoull(value.c_str(), &end, 10);
    return end && *end == '\0' ? static_cast<long long>(std::min<unsigned long long>(length, 1ULL << 62)) : -1;
}

} // namespace portico::openai
