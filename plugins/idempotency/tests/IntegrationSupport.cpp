#include "IntegrationSupport.h"
#include "Poco/NumberParser.h"
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <unistd.h>

namespace portico::idempotency::test {

std::string porticoConfig(const std::string& idempotencyKeys, const std::string& order)
{
    return "[server]\n"
           "listen = 127.0.0.1:{port}\n"
           "[plugins]\n"
           "path = {plugins}\n"
           "order = " + order + "\n"
           "[idempotency]\n"
           "routes = POST /probe/work, POST /probe/stream, POST /probe/throw\n" +
           idempotencyKeys + "\n";
}

int executions(unsigned short port)
{
    const auto result = portico::test::httpRequest(port, "GET", "/probe/count");
    const std::string prefix = "{\"executions\":";
    if (result.status != 200 || result.body.compare(0, prefix.size(), prefix) != 0)
        throw std::runtime_error("unexpected /probe/count answer: " + result.body);
    return Poco::NumberParser::parse(result.body.substr(prefix.size(), result.body.size() - prefix.size() - 1));
}

portico::test::HttpResult postWithKey(unsigned short port, const std::string& path, const std::string& body,
                                      const std::string& key, std::map<std::string, std::string> headers)
{
    headers["Idempotency-Key"] = key;
    headers["Content-Type"] = "application/json";
    // Settled: the answer is stored (or its key released) when this returns.
    return portico::test::httpRequestSettled(port, "POST", path, body, headers, "/probe/count", 30);
}

std::string freshKey(const std::string& prefix)
{
    static std::atomic<int> next{0};
    const auto now = std::chrono::system_clock::now().time_since_epoch().count();
    return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(now) + "-" + std::to_string(++next);
}

} // namespace portico::idempotency::test
