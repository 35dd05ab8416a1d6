// test_principal: a test-only plugin that stands in for auth in integration tests. Its request
// hook copies the value of a header (config `header`, default X-Test-Principal) into
// attr::Principal, so that tests can pick principals without an API keys file. Built into
// <build>/fixtures (never installed), where "{plugins}" configs find it.

#include "portico/Abi.h"
#include "portico/Attributes.h"
#include "portico/Plugin.h"
#include "portico/PluginContext.h"

namespace {

class PrincipalFromHeader : public portico::Plugin
{
public:
    explicit PrincipalFromHeader(portico::PluginContext& context)
        : header_(context.config().getString("header", "X-Test-Principal"))
    {
        if (header_.empty())
            throw context.config().error("header", "must not be empty");
    }

    void onRequest(portico::Exchange& exchange) override
    {
        const std::string& principal = exchange.requestHeader(header_);
        if (!principal.empty())
            exchange.set(portico::attr::Principal, principal);
    }

private:
    const std::string header_;
};

} // namespace

PORTICO_PLUGIN(PrincipalFromHeader, "test_principal", "0.0.1")
