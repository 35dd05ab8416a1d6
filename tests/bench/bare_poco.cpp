// The bench's baseline: the smallest Poco HTTPServer that answers GET /healthz with
// {"status":"ok"} (and, given --models-file, GET /v1/models with that file's bytes), set up exactly like porticod's server (core/src/http/HttpServer.cpp): the same
// thread pool (2..threads+1 workers, 60 s idle, 256 KiB stacks), queue, listen backlog,
// keep-alive and timeouts, and TCP_NODELAY on every accepted connection. Whatever porticod is
// slower than this costs the chain, not Poco; keep the two in step when porticod's defaults move.
//
// Usage: portico_bare_poco --port=N [--threads=256] [--queue=1024] [--models-file=FILE]
// (listens on 127.0.0.1). FILE is read once at start: the answer costs no file access.

#include "Poco/Net/HTTPRequestHandler.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPServerConnection.h"
#include "Poco/Net/HTTPServerParams.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/HTTPServerResponse.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/TCPServer.h"
#include "Poco/Net/TCPServerConnectionFactory.h"
#include "Poco/ThreadPool.h"
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

// The models list of GET /v1/models (empty: no such route), set once before the server starts.
std::string modelsList;

class FixedAnswerHandler : public Poco::Net::HTTPRequestHandler
{
public:
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
    {
        static const std::string ok = "{\"status\":\"ok\"}";
        static const std::string notFound = "{\"error\":{\"message\":\"not found\"}}";
        const std::string* body = &notFound;
        if (request.getMethod() == "GET" && request.getURI() == "/healthz")
            body = &ok;
        else if (request.getMethod() == "GET" && request.getURI() == "/v1/models" && !modelsList.empty())
            body = &modelsList;
        else
            response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
        response.setContentType("application/json");
        response.sendBuffer(body->data(), body->size());
    }
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory
{
public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new FixedAnswerHandler;
    }
};

// As porticod: a plain HTTPServerConnection, with Nagle switched off first.
class NoDelayConnectionFactory : public Poco::Net::TCPServerConnectionFactory
{
public:
    explicit NoDelayConnectionFactory(Poco::Net::HTTPServerParams::Ptr params)
        : params_(std::move(params)), factory_(new HandlerFactory)
    {
    }

    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override
    {
        Poco::Net::StreamSocket connection(socket);
        connection.setNoDelay(true);
        return new Poco::Net::HTTPServerConnection(connection, params_, factory_);
    }

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
};

bool readOption(const char* arg, const char* name, std::string& value)
{
    const std::size_t length = std::strlen(name);
    if (std::strncmp(arg, name, length) != 0 || arg[length] != '=')
        return false;
    value = arg + length + 1;
    return true;
}

bool readOption(const char* arg, const char* name, int& value)
{
    std::string text;
    if (!readOption(arg, name, text))
        return false;
    value = std::stoi(text);
    return true;
}

// The file's bytes without a trailing newline (the answer is the JSON document only).
bool readModelsFile(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    if (!file)
        return false;
    modelsList = content.str();
    while (!modelsList.empty() && (modelsList.back() == '\n' || modelsList.back() == '\r'))
        modelsList.pop_back();
    return !modelsList.empty();
}

const char* const usage =
    "usage: portico_bare_poco --port=N [--threads=256] [--queue=1024] [--models-file=FILE]\n";

} // namespace

int main(int argc, char** argv)
{
    int port = -1;
    int threads = 256; // porticod's server.threads default
    int queue = 1024;  // porticod's server.queue default
    std::string modelsFile;
    for (int i = 1; i < argc; ++i)
    {
        if (!readOption(argv[i], "--port", port) && !readOption(argv[i], "--threads", threads) &&
            !readOption(argv[i], "--queue", queue) && !readOption(argv[i], "--models-file", modelsFile))
        {
            std::cerr << "unknown argument '" << argv[i] << "'\n" << usage;
            return 2;
        }
    }
    if (port < 0 || port > 65535 || threads < 1 || queue < 1)
    {
        std::cerr << usage;
        return 2;
    }
    if (!modelsFile.empty() && !readModelsFile(modelsFile))
    {
        std::cerr << "cannot read a models list from '" << modelsFile << "'\n";
        return 2;
    }

    // Block the stop signals in every thread (workers inherit the mask), then wait for one.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    const int idleSeconds = 60; // porticod's server.idle_timeout_seconds default
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setServerName("bare-poco");
    params->setSoftwareVersion("");
    params->setMaxThreads(threads);
    params->setMaxQueued(queue);
    params->setThreadIdleTime(Poco::Timespan(60, 0));
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(1000); // porticod's server.keep_alive_requests default
    params->setKeepAliveTimeout(Poco::Timespan(idleSeconds, 0));
    params->setTimeout(Poco::Timespan(idleSeconds, 0));

    Poco::ThreadPool pool(2, threads + 1, 60, 256 * 1024); // porticod's server.thread_stack_kib default
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), 1024);
    Poco::Net::TCPServer server(new NoDelayConnectionFactory(params), pool, socket, params);
    server.start();
    std::cout << "bare poco listening on 127.0.0.1:" << server.port() << std::endl;

    int received = 0;
    sigwait(&stopSignals, &received);
    server.stop();
    pool.joinAll();
    return 0;
}
