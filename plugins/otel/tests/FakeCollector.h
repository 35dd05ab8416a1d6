#pragma once
// An OTLP/HTTP collector for the otel tests: a Poco HTTPServer on 127.0.0.1 (a free port) in
// the test process that keeps every POST it gets (gzip undone) and answers with a chosen
// status, optionally after a delay. Protobuf bodies are decoded with the classes protoc
// generated from the official opentelemetry-proto definitions.

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "Poco/Net/HTTPServer.h"
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace portico::otel::test {

class FakeCollector
{
public:
    struct Received
    {
        std::string method;
        std::string path;
        std::string contentType;
        std::string contentEncoding;
        std::map<std::string, std::string> headers; ///< names lowercased
        std::string body;                           ///< decompressed
    };

    explicit FakeCollector(int status = 200, std::chrono::milliseconds delay = std::chrono::milliseconds(0));
    ~FakeCollector();
    FakeCollector(const FakeCollector&) = delete;
    FakeCollector& operator=(const FakeCollector&) = delete;

    unsigned short port() const { return port_; }
    /// "http://127.0.0.1:<port>"
    std::string url() const;

    std::vector<Received> received() const;
    /// Every span of every protobuf request so far, in arrival order.
    std::vector<opentelemetry::proto::trace::v1::Span> spans() const;
    /// The spans of the protobuf requests whose resource's service.name is `service`.
    std::vector<opentelemetry::proto::trace::v1::Span> spansOf(const std::string& service) const;
    /// The resource of the first protobuf request (empty when none came).
    opentelemetry::proto::resource::v1::Resource resource() const;
    /// Waits until spans() holds at least `count`; false after `timeoutSeconds`.
    bool waitForSpans(std::size_t count, int timeoutSeconds) const;
    /// Waits until at least `count` requests came; false after `timeoutSeconds`.
    bool waitForRequests(std::size_t count, int timeoutSeconds) const;

    /// Called by the server's handler.
    void record(Received received);
    int status() const { return status_; }
    std::chrono::milliseconds delay() const { return delay_; }

private:
    const int status_;
    const std::chrono::milliseconds delay_;
    unsigned short port_ = 0;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    mutable std::mutex mutex_;
    std::vector<Received> received_;
};

/// The value of attribute `key` of `span` as text ("<absent>" when it has none): strings as
/// they are, integers and booleans in decimal, arrays joined with ",".
std::string attributeText(const opentelemetry::proto::trace::v1::Span& span, const std::string& key);
/// Bytes as lowercase hex (ids).
std::string hexOf(const std::string& bytes);

} // namespace portico::otel::test
