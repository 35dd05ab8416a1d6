#pragma once
// The upstream client the tests' plugins get (TestPluginContext::upstream): one UpstreamService
// for the test process. A harness that runs its own event loop drops the loop's pools before
// the loop goes (dropUpstreamPools).

#include "event/EventLoop.h"
#include "upstream/UpstreamService.h"

namespace portico::test {

UpstreamService& testUpstreams();
/// Closes `loop`'s upstream connections (on the loop's thread, before it is destroyed).
void dropUpstreamPools(EventLoop& loop);

} // namespace portico::test
