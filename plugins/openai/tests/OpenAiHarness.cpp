#include "OpenAiHarness.h"
#include "Poco/JSON/Parser.h"
#include "Poco/JSON/Query.h"
#include "Poco/String.h"
#include "prometheus/registry.h"
#include <cppunit/extensions/HelperMacros.h>
#include <sstream>

namespace portico::openai::test {

OpenAiHarness::OpenAiHarness(const std::string& sectionBody) : context_("[openai]\n" + sectionBody, "openai")
{
    auto plugin = std::make_unique<OpenAiPlugin>(context_);
    plugin_ = plugin.get();
    const auto unread = context_.config().unreadKeys();
    if (!unread.empty())
        throw context_.config().error(unread.front(), "unknown key for plugin openai");
    chain_.add("openai", std::move(plugin));
    for (auto& route : context_.routes())
        chain_.route(route.method, route.pattern, route.handler, "openai", route.blocking);
}

std::unique_ptr<Result> OpenAiHarness::get(const std::string& target)
{
    return chain_.request("GET", target);
}

std::unique_ptr<Result> OpenAiHarness::post(const std::string& target, const std::string& body)
{
    return chain_.request("POST", target, {{"Content-Type", "application/json"}}, body);
}

void OpenAiHarness::run(Result& result)
{
    result.outcome = chain_.run(result.exchange, result.sink);
}

const prometheus::ClientMetric* OpenAiHarness::series(const std::string& name,
                                                      const std::map<std::string, std::string>& labels,
                                                      prometheus::MetricType& type)
{
    collected_ = context_.metrics().Collect();
    for (const auto& family : collected_)
    {
        if (family.name != name)
            continue;
        type = family.type;
        for (const auto& metric : family.metric)
        {
            std::map<std::string, std::string> have;
            for (const auto& label : metric.label)
                have[label.name] = label.value;
            if (have == labels)
                return &metric;
        }
    }
    return nullptr;
}

double OpenAiHarness::metric(const std::string& name, const std::map<std::string, std::string>& labels)
{
    prometheus::MetricType type = prometheus::MetricType::Untyped;
    const auto* found = series(name, labels, type);
    if (!found)
        return 0;
    if (type == prometheus::MetricType::Histogram)
        return static_cast<double>(found->histogram.sample_count);
    return found->counter.value;
}

double OpenAiHarness::histogramSum(const std::string& name, const std::map<std::string, std::string>& labels)
{
    prometheus::MetricType type = prometheus::MetricType::Untyped;
    const auto* found = series(name, labels, type);
    return found ? found->histogram.sample_sum : 0;
}

Poco::JSON::Object::Ptr parseObject(const std::string& json)
{
    try
    {
        Poco::JSON::Parser parser;
        auto value = parser.parse(json);
        auto object = value.extract<Poco::JSON::Object::Ptr>();
        CPPUNIT_ASSERT_MESSAGE("not a JSON object: " + json, !object.isNull());
        return object;
    }
    catch (const Poco::Exception& e)
    {
        CPPUNIT_FAIL("invalid JSON (" + e.displayText() + "): " + json.substr(0, 400));
    }
    return nullptr;
}

Poco::Dynamic::Var at(const Poco::JSON::Object::Ptr& object, const std::string& path)
{
    return Poco::JSON::Query(object).find(path);
}

std::string stringAt(const Poco::JSON::Object::Ptr& object, const std::string& path)
{
    const auto value = at(object, path);
    CPPUNIT_ASSERT_MESSAGE("no string at " + path, value.isString());
    return value.toString();
}

long long intAt(const Poco::JSON::Object::Ptr& object, const std::string& path)
{
    const auto value = at(object, path);
    CPPUNIT_ASSERT_MESSAGE("no integer at " + path, value.isInteger());
    return value.convert<long long>();
}

std::vector<SseEvent> parseSse(const std::string& body)
{
    std::vector<SseEvent> events;
    std::size_t start = 0;
    while (start < body.size())
    {
        auto end = body.find("\n\n", start);
        if (end == std::string::npos)
            end = body.size();
        SseEvent event;
        std::istringstream lines(body.substr(start, end - start));
        for (std::string line; std::getline(lines, line);)
        {
            event.lines.push_back(line);
            if (Poco::startsWith(line, std::string("event: ")))
                event.event = line.substr(7);
            else if (Poco::startsWith(line, std::string("data: ")))
                event.data = line.substr(6);
        }
        if (!event.lines.empty())
            events.push_back(std::move(event));
        start = end + 2;
    }
    return events;
}

Poco::JSON::Object::Ptr errorOf(const Result& result, int expectedStatus)
{
    CPPUNIT_ASSERT_EQUAL_MESSAGE(result.sink.body, expectedStatus, result.head().status);
    CPPUNIT_ASSERT_EQUAL(std::string("application/json"), result.head().contentType);
    auto body = parseObject(result.sink.body);
    auto error = body->getObject("error");
    CPPUNIT_ASSERT_MESSAGE("no error object: " + result.sink.body, !error.isNull());
    for (const char* key : {"message", "type", "param", "code"})
        CPPUNIT_ASSERT_MESSAGE(std::string("error without ") + key, error->has(key));
    return error;
}

} // namespace portico::openai::test
