// The out-of-line virtual destructors of the API's interfaces: their "key functions", so that
// each one's vtable and typeinfo live once, in libportico-core.so, and are exported from there.

#include "portico/BodyStream.h"
#include "portico/LogFilter.h"
#include "portico/Plugin.h"
#include "portico/PluginContext.h"

namespace portico {

Plugin::~Plugin() = default;
PluginContext::~PluginContext() = default;
LogFilter::~LogFilter() = default;
BodyStream::~BodyStream() = default;

} // namespace portico
