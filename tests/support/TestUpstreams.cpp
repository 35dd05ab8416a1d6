#include "TestUpstreams.h"

namespace portico::test {

UpstreamService& testUpstreams()
{
    // Never destroyed: pools of loops that tests forgot to drop must not be closed at exit.
    static UpstreamService* service = new UpstreamService;
    return *service;
}

void dropUpstreamPools(EventLoop& loop)
{
    testUpstreams().dropLoop(loop);
}

} // namespace portico::test
