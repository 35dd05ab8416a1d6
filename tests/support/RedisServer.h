#pragma once
// A private redis-server for a test: Debian's /usr/bin/redis-server on 127.0.0.1, on a free
// port, with no persistence (--save "" --appendonly no) and a temp dir of its own. It can be
// stopped and started again on the same port (an outage and its end), paused (SIGSTOP: a server
// that accepts connections but never answers) and resumed. Killed when the object goes away, or
// when the test process dies (PR_SET_PDEATHSIG).
//
// Link: add ${PROJECT_SOURCE_DIR}/tests/support/RedisServer.cpp to the test's SOURCES.

#include "TempDir.h"
#include <string>
#include <vector>

namespace portico::test {

class RedisServer
{
public:
    /// Starts the server and waits until it answers PING. `extraArgs` go to redis-server
    /// (e.g. {"--requirepass", "secret"}). Throws when it does not come up within 10 s.
    explicit RedisServer(std::vector<std::string> extraArgs = {});
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    /// True when /usr/bin/redis-server exists (tests skip with a message otherwise).
    static bool available();

    unsigned short port() const { return port_; }
    /// "redis://127.0.0.1:<port>"
    std::string url() const;

    /// SIGTERM, then waits for the process to exit (SIGKILL after 5 s).
    void stop();
    /// Starts it again on the same port (after stop()), waiting until it answers.
    void start();
    /// SIGSTOP / SIGCONT: a server that holds connections but answers nothing, and its return.
    void pause();
    void resume();
    bool running() const { return pid_ > 0; }

    /// Sends one command (with AUTH first when `password`, or the --requirepass the server was
    /// started with, is given) and returns the reply as
    /// text: a string or integer as is, nil as "(nil)", an array as its elements joined by
    /// '\n', an error as "ERR: <message>". Throws when the server cannot be reached.
    std::string command(const std::vector<std::string>& words, const std::string& password = "") const;

    /// What redis-server wrote (its log).
    std::string log() const;

private:
    void launch();

    TempDir dir_;
    std::vector<std::string> extraArgs_;
    unsigned short port_ = 0;
    int pid_ = -1;
    std::string password_;
};

} // namespace portico::test
