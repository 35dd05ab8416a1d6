#pragma once
// security: adds the browser-facing security headers to every answer, whoever produced it
// (handler, short-circuit, 404, 500). A header the handler already set is kept.

#include "SecurityConfig.h"
#include "portico/Plugin.h"
#include "portico/PluginContext.h"
#include "portico/HeaderList.h"

namespace portico::security {

class SecurityPlugin : public Plugin
{
public:
    explicit SecurityPlugin(PluginContext& context);
    void onResponseHead(Exchange& exchange) override;
    void describeApi(ApiDescription& api) const override;
    /// Its hooks only compute: they may run on the event loop.
    Blocking blocking() const override { return Blocking::Never; }

private:
    const SecurityConfig config_;
    /// config_.headers as a header collection, built once: an answer that has no headers yet
    /// (the common case) gets all of them in one copy, with no per-header lookups.
    const HeaderList prebuilt_;
};

} // namespace portico::security
