#include "FakeUpstream.h"
#include "Poco/Net/HTTPRequestHandler.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPServerParams.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/NetException.h"
#include "Poco/StreamCopier.h"
#include <chrono>
#include <condition_variable>

namespace portico::openai::test {

class FakeUpstream::Gate
{
public:
    /// False once closed: the FakeUpstream is going away, the handler must not touch it.
    bool enter()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_)
            return false;
        ++inside_;
        return true;
    }

    void leave()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        --inside_;
        changed_.notify_all();
    }

    /// Turns every later handler away and wakes those sleeping in sleepFor().
    void close()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
        changed_.notify_all();
    }

    void waitUntilEmpty()
    {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return inside_ == 0; });
    }

    /// Sleeps `ms`; false (early) when closed meanwhile.
    bool sleepFor(int ms)
    {
        std::unique_lock<std::mutex> lock(mutex_);
        return !changed_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return closed_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool closed_ = false;
    int inside_ = 0;
};

class FakeUpstream::Factory : public Poco::Net::HTTPRequestHandlerFactory
{
public:
    explicit Factory(FakeUpstream& owner) : owner_(owner), gate_(owner.gate_) {}

    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new Handler(owner_, gate_);
    }

private:
    class Handler : public Poco::Net::HTTPRequestHandler
    {
    public:
        Handler(FakeUpstream& owner, std::shared_ptr<Gate> gate) : owner_(owner), gate_(std::move(gate)) {}
        void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
        {
            // owner_ may be destroyed already (this connection raced the destructor): only the
            // gate, which this handler co-owns, says whether it is still there.
            if (!gate_->enter())
            {
                response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
                response.setKeepAlive(false);
                response.send();
                return;
            }
            struct Leave
            {
                Gate& gate;
                ~Leave() { gate.leave(); }
            } leave{*gate_};
            serve(request, response);
        }

    private:
        void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response)
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

        FakeUpstream& owner_;
        std::shared_ptr<Gate> gate_;
    };

    FakeUpstream& owner_;
    std::shared_ptr<Gate> gate_;
};

FakeUpstream::FakeUpstream(Handler handler, unsigned short port, int keepAliveMs)
    : handler_(std::move(handler)), gate_(std::make_shared<Gate>())
{
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress("127.0.0.1", port), true);
    socket.listen(64);
    start(socket, keepAliveMs);
}

FakeUpstream::FakeUpstream(Handler handler, const Poco::Net::ServerSocket& socket)
    : handler_(std::move(handler)), gate_(std::make_shared<Gate>())
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
    // Close the gate first (no new handler gets in; sendEvents() stops sleeping), then abort
    // the connections (a handler blocked on its socket returns), then wait for the handlers
    // inside: only then may the handler, the recorded requests and the test's locals go.
    gate_->close();
    server_->stopAll(true);
    gate_->waitUntilEmpty();
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
        if (i > 0 && delayMs > 0 && !gate_->sleepFor(delayMs))
            return; // the FakeUpstream is being destroyed
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
