#include "ChainHarness.h"
#include "http/ChainRunner.h"
#include "Poco/Logger.h"

namespace portico::test {

std::unique_ptr<Exchange> makeExchange(const std::string& method, const std::string& target,
                                       const std::map<std::string, std::string>& headers, const std::string& body)
{
    Poco::Net::NameValueCollection requestHeaders;
    for (const auto& [name, value] : headers)
        requestHeaders.add(name, value);
    return std::make_unique<Exchange>(method, target, requestHeaders, body, "127.0.0.1:40000");
}

Plugin& ChainHarness::add(const std::string& name, std::unique_ptr<Plugin> plugin)
{
    Plugin& added = *plugin;
    chain_.links().push_back(ChainLink{name, "0.0.0-test", "(in-process " + name + ")", std::move(plugin)});
    return added;
}

void ChainHarness::route(const std::string& method, const std::string& pattern, RouteHandler handler,
                         const std::string& owner)
{
    chain_.routes().add(Route{method, pattern, std::move(handler)}, owner);
}

Outcome ChainHarness::run(Exchange& exchange, MemorySink& sink)
{
    return ChainRunner(chain_, Poco::Logger::get("portico.test")).run(exchange, sink);
}

std::unique_ptr<ChainHarness::Result> ChainHarness::request(const std::string& method, const std::string& target,
                                                           const std::map<std::string, std::string>& headers,
                                                           const std::string& body)
{
    auto result = std::make_unique<Result>();
    result->exchange = makeExchange(method, target, headers, body);
    result->outcome = run(*result->exchange, result->sink);
    return result;
}

} // namespace portico::test
