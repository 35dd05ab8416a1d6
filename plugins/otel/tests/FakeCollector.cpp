#include "FakeCollector.h"
#include "Poco/InflatingStream.h"
#include "Poco/Net/HTTPRequestHandler.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPServerParams.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/HTTPServerResponse.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/StreamCopier.h"
#include "Poco/String.h"
#include <sstream>
#include <thread>

namespace portico::otel::test {

namespace {

class Handler : public Poco::Net::HTTPRequestHandler
{
public:
    explicit Handler(FakeCollector& collector) : collector_(collector) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
    {
        FakeCollector::Received received;
        received.method = request.getMethod();
        received.path = request.getURI();
        received.contentType = request.getContentType();
        received.contentEncoding = request.get("Content-Encoding", "");
        for (const auto& [name, value] : request)
            received.headers[Poco::toLower(name)] = value;
        std::string raw;
        Poco::StreamCopier::copyToString(request.stream(), raw);
        if (received.contentEncoding == "gzip")
        {
            std::istringstream in(raw);
            Poco::InflatingInputStream inflate(in, Poco::InflatingStreamBuf::STREAM_GZIP);
            Poco::StreamCopier::copyToString(inflate, received.body);
        }
        else
            received.body = raw;
        collector_.record(std::move(received));
        if (collector_.delay().count() > 0)
            std::this_thread::sleep_for(collector_.delay());
        response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(collector_.status()));
        response.setContentType("application/x-protobuf");
        response.setContentLength(0);
        response.send();
    }

private:
    FakeCollector& collector_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory
{
public:
    explicit Factory(FakeCollector& collector) : collector_(collector) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new Handler(collector_);
    }

private:
    FakeCollector& collector_;
};

} // namespace

FakeCollector::FakeCollector(int status, std::chrono::milliseconds delay) : status_(status), delay_(delay)
{
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(8);
    params->setKeepAlive(true);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
    server_->start();
}

FakeCollector::~FakeCollector()
{
    server_->stopAll(true);
}

std::string FakeCollector::url() const
{
    return "http://127.0.0.1:" + std::to_string(port_);
}

void FakeCollector::record(Received received)
{
    std::lock_guard<std::mutex> lock(mutex_);
    received_.push_back(std::move(received));
}

std::vector<FakeCollector::Received> FakeCollector::received() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
}

std::vector<opentelemetry::proto::trace::v1::Span> FakeCollector::spans() const
{
    std::vector<opentelemetry::proto::trace::v1::Span> result;
    for (const Received& received : this->received())
    {
        if (received.contentType != "application/x-protobuf")
            continue;
        opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
        if (!request.ParseFromString(received.body))
            continue;
        for (const auto& resourceSpans : request.resource_spans())
            for (const auto& scopeSpans : resourceSpans.scope_spans())
                for (const auto& span : scopeSpans.spans())
                    result.push_back(span);
    }
    return result;
}

std::vector<opentelemetry::proto::trace::v1::Span> FakeCollector::spansOf(const std::string& service) const
{
    std::vector<opentelemetry::proto::trace::v1::Span> result;
    for (const Received& received : this->received())
    {
        opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
        if (received.contentType != "application/x-protobuf" || !request.ParseFromString(received.body))
            continue;
        for (const auto& resourceSpans : request.resource_spans())
        {
            bool match = false;
            for (const auto& attribute : resourceSpans.resource().attributes())
                match = match || (attribute.key() == "service.name" && attribute.value().string_value() == service);
            if (!match)
                continue;
            for (const auto& scopeSpans : resourceSpans.scope_spans())
                for (const auto& span : scopeSpans.spans())
                    result.push_back(span);
        }
    }
    return result;
}

opentelemetry::proto::resource::v1::Resource FakeCollector::resource() const
{
    for (const Received& received : this->received())
    {
        opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
        if (received.contentType == "application/x-protobuf" && request.ParseFromString(received.body) &&
            request.resource_spans_size() > 0)
            return request.resource_spans(0).resource();
    }
    return {};
}

bool FakeCollector::waitForSpans(std::size_t count, int timeoutSeconds) const
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
    while (spans().size() < count)
    {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

bool FakeCollector::waitForRequests(std::size_t count, int timeoutSeconds) const
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
    while (received().size() < count)
    {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

std::string hexOf(const std::string& bytes)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes)
    {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string attributeText(const opentelemetry::proto::trace::v1::Span& span, const std::string& key)
{
    for (const auto& attribute : span.attributes())
    {
        if (attribute.key() != key)
            continue;
        const auto& value = attribute.value();
        if (value.has_string_value())
            return value.string_value();
        if (value.has_int_value())
            return std::to_string(value.int_value());
        if (value.has_bool_value())
            return value.bool_value() ? "true" : "false";
        if (value.has_double_value())
            return std::to_string(value.double_value());
        if (value.has_array_value())
        {
            std::string joined;
            for (const auto& item : value.array_value().values())
                joined += (joined.empty() ? "" : ",") + item.string_value();
            return joined;
        }
        return "<unknown kind>";
    }
    return "<absent>";
}

} // namespace portico::otel::test
