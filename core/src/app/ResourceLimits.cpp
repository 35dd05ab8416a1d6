#include "app/ResourceLimits.h"
#include <sys/resource.h>

namespace portico {

DescriptorLimit raiseDescriptorLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return {};
    if (limit.rlim_cur < limit.rlim_max)
    {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    const auto value = [](rlim_t v) { return v == RLIM_INFINITY ? -1LL : static_cast<long long>(v); };
    return {value(limit.rlim_cur), value(limit.rlim_max)};
}

} // namespace portico
