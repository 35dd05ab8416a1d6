#include "FakeUpstream.h"
#include "Poco/Net/HTTPRequestHandler.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPServerParams.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/NetException.h"
#include "Poco/StreamCopier.h"
#include <chrono>

namespace portico::openai::test {

class FakeUpstream::Factory : public Poco::Net::HTTPRequestHandlerFactory
{
public:
    explicit Factory(FakeUpstream& owner) : owner_(owner) {}

    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new Handler(owner_);
    }

private:
    class Handler : public Poco::Net::HTTPRequestHandler
    {
    public:
        explicit Handler(FakeUpstream& owner) : owner_(owner) {}
        void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
        {
            SeenRequest seen;
            seen.method = request.getMethod();
            seen.uri = request.getURI();
            for (const auto& [name, value] : request)
                seen.headers.add(name, value);
            Poco::StreamCopier::copyToString(request.stream(), seen.body);
            seen.peer = request.clientAddress().toString();
            owner_.record(seen);
            owner_.handler_(seen, response);
        }

    private:
        FakeUpstream& owner_;
    };

    FakeUpstream& owner_;
};

FakeUpstream::FakeUpstream(Handler handler, unsigned short port, int keepAliveMs) : handler_(std::move(handler))
{
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress("127.0.0.1", port), true);
    socket.listen(64);
    start(socket, keepAliveMs);
}

FakeUpstream::FakeUpstream(Handler handler, const Poco::Net::ServerSocket& socket) : handler_(std::move(handler))
{
    start(socket, 10000);
}

void FakeUpstream::start(const Poco::Net::ServerSocket& socket, int keepAliveMs)
{
    port_ = socket.address().port();
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(16);
    params->setMaxQueued(64);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(keepAliveMs / 1000, (keepAliveMs % 1000) * 1000));
    params->setMaxKeepAliveRequests(1000);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
    server_->start();
}

FakeUpstream::~FakeUpstream()
{
    server_->stopAll(true);
}

std::string FakeUpstream::url() const
{
    return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

void FakeUpstream::record(SeenRequest request)
{
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(std::move(request));
}

std::vector<SeenRequest> FakeUpstream::requests() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
}

std::vector<std::chrono::steady_clock::time_point> FakeUpstream::sentAt() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return sentAt_;
}

std::size_t FakeUpstream::connections() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    std::set<std::string> peers;
    for (const auto& request : requests_)
        peers.insert(request.peer);
    return peers.size();
}

void FakeUpstream::sendEvents(Poco::Net::HTTPServerResponse& response, const std::vector<std::string>& events,
                              int delayMs)
{
    response.setChunkedTransferEncoding(true);
    response.setContentType("text/event-stream");
    response.set("x-request-id", "req_stream_1");
    std::ostream& out = response.send();
    out.flush();
    for (std::size_t i = 0; i < events.size(); ++i)
    {
        if (i > 0 && delayMs > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
        out << events[i];
        out.flush();
        if (!out.good())
        {
            clientGone_ = true;
            return;
        }
        std::lock_guard<std::mutex> lock(mutex_);
        sentAt_.push_back(std::chrono::steady_clock::now());
    }
}

void FakeUpstream::sendJson(Poco::Net::HTTPServerResponse& response, int status, const std::string& body)
{
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/json");
    response.sendBuffer(body.data(), body.size());
}

ScriptedServer::ScriptedServer(Script script) : script_(std::move(script))
{
    socket_.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
    socket_.listen(16);
    port_ = socket_.address().port();
    acceptor_ = std::thread([this] {
        while (!stopping_)
        {
            if (!socket_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ))
                continue;
            Poco::Net::StreamSocket connection;
            try
            {
                connection = socket_.acceptConnection();
            }
            catch (const Poco::Exception&)
            {
                continue;
            }
            const int index = accepted_++;
            workers_.emplace_back([this, connection, index]() mutable {
                try
                {
                    connection.setReceiveTimeout(Poco::Timespan(5, 0));
                    script_(connection, index);
                }
                catch (const Poco::Exception&)
                {
                }
            });
        }
    });
}

ScriptedServer::~ScriptedServer()
{
    stopping_ = true;
    acceptor_.join();
    for (auto& worker : workers_)
        worker.join();
}

std::string ScriptedServer::readRequest(Poco::Net::StreamSocket& socket)
{
    std::string data;
    char buffer[4096];
    std::size_t headEnd = std::string::npos;
    std::size_t needed = 0;
    for (;;)
    {
        if (headEnd != std::string::npos && data.size() >= headEnd + 4 + needed)
            return data;
        const int got = socket.receiveBytes(buffer, sizeof buffer);
        if (got <= 0)
            return {};
        data.append(buffer, static_cast<std::size_t>(got));
        if (headEnd == std::string::npos && (headEnd = data.find("\r\n\r\n")) != std::string::npos)
        {
            const auto at = data.find("Content-Length: ");
            if (at != std::string::npos && at < headEnd)
                needed = std::stoul(data.substr(at + 16));
        }
    }
}

} // namespace portico::openai::test
