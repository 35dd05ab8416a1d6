#pragma once
// A stand-in OpenAI upstream on 127.0.0.1 for the redaction integration test: answers
// POST <base>/chat/completions with a fixed completion and remembers the Authorization header
// it was sent (the upstream key porticod proxies with). What the handlers write lives in a
// shared Seen they co-own: Poco's HTTPServer::stopAll() does not wait for handler threads, so
// one still running after the FakeUpstream is gone must not write into it.

#include "Poco/Net/HTTPRequestHandler.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPServer.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/HTTPServerResponse.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/StreamCopier.h"
#include <memory>
#include <mutex>
#include <string>

namespace portico::redaction::test {

class FakeUpstream
{
public:
    FakeUpstream()
    {
        Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
        port_ = socket.address().port();
        auto* params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(4);
        server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(seen_), socket, params);
        server_->start();
    }
    ~FakeUpstream() { server_->stopAll(true); }

    unsigned short port() const { return port_; }
    std::string lastAuthorization() const
    {
        std::lock_guard<std::mutex> lock(seen_->mutex);
        return seen_->authorization;
    }

private:
    struct Seen
    {
        std::mutex mutex;
        std::string authorization;
    };

    class Handler : public Poco::Net::HTTPRequestHandler
    {
    public:
        explicit Handler(std::shared_ptr<Seen> seen) : seen_(std::move(seen)) {}
        void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
        {
            std::string body;
            Poco::StreamCopier::copyToString(request.stream(), body);
            {
                std::lock_guard<std::mutex> lock(seen_->mutex);
                seen_->authorization = request.get("Authorization", "");
            }
            const std::string answer =
                "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\",\"created\":1700000000,"
                "\"model\":\"upstream-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                "\"content\":\"hello from upstream\"},\"finish_reason\":\"stop\"}],"
                "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":3,\"total_tokens\":6}}";
            response.setContentType("application/json");
            response.sendBuffer(answer.data(), answer.size());
        }

    private:
        std::shared_ptr<Seen> seen_;
    };

    class Factory : public Poco::Net::HTTPRequestHandlerFactory
    {
    public:
        explicit Factory(std::shared_ptr<Seen> seen) : seen_(std::move(seen)) {}
        Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
        {
            return new Handler(seen_);
        }

    private:
        std::shared_ptr<Seen> seen_;
    };

    std::shared_ptr<Seen> seen_ = std::make_shared<Seen>();
    unsigned short port_ = 0;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

} // namespace portico::redaction::test
