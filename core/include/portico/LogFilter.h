#pragma once
/// A filter every log line passes through before it is written: porticod's own log and the
/// access log alike. The redaction plugin is one. Filters are added with
/// PluginContext::addLogFilter() and apply while the chain of the plugin that added them is the
/// running one; a reload swaps in the new chain's filters.

#include "portico/Api.h"
#include <string>

namespace portico {

class PORTICO_API LogFilter
{
public:
    virtual ~LogFilter();
    /// Rewrites one line in place. Called from any thread, concurrently: keep it const.
    virtual void apply(std::string& line) const = 0;
};

} // namespace portico
