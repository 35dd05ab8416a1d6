#include "RedisServer.h"
#include "PorticodProcess.h"
#include "Poco/File.h"
#include "Poco/Redis/Array.h"
#include "Poco/Redis/Client.h"
#include "Poco/Redis/Error.h"
#include "Poco/Redis/Type.h"
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace portico::test {

namespace {

constexpr const char* ServerBinary = "/usr/bin/redis-server";

std::string text(const Poco::Redis::RedisType::Ptr& reply)
{
    using namespace Poco::Redis;
    switch (reply->type())
    {
    case RedisType::REDIS_INTEGER:
        return std::to_string(static_cast<const Type<Poco::Int64>&>(*reply).value());
    case RedisType::REDIS_SIMPLE_STRING:
        return static_cast<const Type<std::string>&>(*reply).value();
    case RedisType::REDIS_BULK_STRING:
    {
        const auto& value = static_cast<const Type<BulkString>&>(*reply).value();
        return value.isNull() ? "(nil)" : value.value();
    }
    case RedisType::REDIS_ARRAY:
    {
        const Array& array = static_cast<const Type<Array>&>(*reply).value();
        if (array.isNull())
            return "(nil)";
        std::string joined;
        for (const auto& element : array)
            joined += (joined.empty() ? "" : "\n") + text(element);
        return joined;
    }
    default:
        return "ERR: " + static_cast<const Type<Error>&>(*reply).value().getMessage();
    }
}

} // namespace

RedisServer::RedisServer(std::vector<std::string> extraArgs) : extraArgs_(std::move(extraArgs))
{
    for (std::size_t i = 0; i + 1 < extraArgs_.size(); ++i)
        if (extraArgs_[i] == "--requirepass")
            password_ = extraArgs_[i + 1];
    if (!available())
        throw std::runtime_error(std::string(ServerBinary) + " is not installed");
    // The port was free a moment ago; another test may take it first: try a few.
    for (int attempt = 1;; ++attempt)
    {
        port_ = freePort();
        try
        {
            start();
            return;
        }
        catch (const std::exception&)
        {
            stop();
            if (attempt == 5)
                throw;
        }
    }
}

RedisServer::~RedisServer()
{
    if (pid_ > 0)
    {
        kill(pid_, SIGCONT);
        kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
}

bool RedisServer::available()
{
    return access(ServerBinary, X_OK) == 0;
}

std::string RedisServer::url() const
{
    return "redis://127.0.0.1:" + std::to_string(port_);
}

void RedisServer::launch()
{
    std::vector<std::string> argv{ServerBinary,  "--port",       std::to_string(port_), "--bind", "127.0.0.1",
                                  "--save",      "",             "--appendonly",        "no",     "--dir",
                                  dir_.path(),   "--daemonize",  "no"};
    argv.insert(argv.end(), extraArgs_.begin(), extraArgs_.end());
    std::vector<char*> args;
    for (auto& arg : argv)
        args.push_back(arg.data());
    args.push_back(nullptr);
    const std::string logPath = dir_.file("redis.log");
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0)
    {
        // Dies with the test, whatever happens to it.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        const int out = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int in = open("/dev/null", O_RDONLY);
        if (out < 0 || in < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execv(args[0], args.data());
        _exit(127);
    }
    pid_ = pid;
}

void RedisServer::start()
{
    if (pid_ > 0)
        return;
    launch();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline)
    {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_)
        {
            pid_ = -1;
            throw std::runtime_error("redis-server exited at start on port " + std::to_string(port_) + ": " + log());
        }
        try
        {
            if (command({"PING"}, password_) == "PONG")
                return;
        }
        catch (const std::exception&)
        {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("redis-server did not answer PING on port " + std::to_string(port_) + " within 10 s");
}

void RedisServer::stop()
{
    if (pid_ <= 0)
        return;
    kill(pid_, SIGCONT);
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 500; ++i)
    {
        if (waitpid(pid_, &status, WNOHANG) == pid_)
        {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
}

void RedisServer::pause()
{
    if (pid_ > 0)
        kill(pid_, SIGSTOP);
}

void RedisServer::resume()
{
    if (pid_ > 0)
        kill(pid_, SIGCONT);
}

std::string RedisServer::command(const std::vector<std::string>& words, const std::string& password) const
{
    Poco::Redis::Client client;
    client.connect("127.0.0.1", port_, Poco::Timespan(2, 0));
    client.setReceiveTimeout(Poco::Timespan(5, 0));
    const std::string& secret = password.empty() ? password_ : password;
    if (!secret.empty())
    {
        Poco::Redis::Array auth;
        auth << "AUTH" << secret;
        client.sendCommand(auth);
    }
    Poco::Redis::Array array;
    for (const auto& word : words)
        array << word;
    const std::string reply = text(client.sendCommand(array));
    client.disconnect();
    return reply;
}

std::string RedisServer::log() const
{
    return readFile(dir_.file("redis.log"));
}

} // namespace portico::test
