#include "PorticodProcess.h"
#include "HttpClient.h"
#include "Poco/File.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/String.h"
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace portico::test {

namespace {

int decodeStatus(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

// fork + exec with stdout and stderr going to `outputPath` and stdin from `inputPath` (or
// /dev/null).
int spawn(const std::vector<std::string>& argv, const std::string& outputPath, const std::string& inputPath,
          const std::map<std::string, std::string>& env)
{
    std::vector<char*> args;
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0)
    {
        // Child: unblock everything the test runner may have blocked, redirect, exec.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        // Dispositions survive exec: a runner started with SIGHUP ignored (nohup) would make
        // porticod deaf to reloads.
        for (int handled : {SIGPIPE, SIGHUP, SIGTERM, SIGINT, SIGQUIT})
            std::signal(handled, SIG_DFL);
        const int out = open(outputPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int in = open(inputPath.empty() ? "/dev/null" : inputPath.c_str(), O_RDONLY);
        if (out < 0 || in < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        for (const auto& [name, value] : env)
            setenv(name.c_str(), value.c_str(), 1);
        execv(args[0], args.data());
        _exit(127);
    }
    return pid;
}

} // namespace

std::string stageDir()
{
    const char* fromEnv = std::getenv("PORTICO_STAGE_DIR");
    return fromEnv && *fromEnv ? fromEnv : PORTICO_STAGE_DIR;
}

std::string porticodPath()
{
    return stageDir() + "/sbin/porticod";
}

std::string stagePluginDir()
{
    return stageDir() + "/lib/portico/plugins";
}

std::string fixturePluginDir()
{
    return std::string(PORTICO_BUILD_DIR) + "/fixtures";
}

std::string mixedPluginDir(const TempDir& dir)
{
    const std::string mixed = dir.file("plugins");
    Poco::File(mixed).createDirectories();
    for (const auto& source : {stagePluginDir(), fixturePluginDir()})
    {
        std::vector<std::string> names;
        if (!Poco::File(source).exists())
            continue;
        Poco::File(source).list(names);
        for (const auto& name : names)
            if (Poco::endsWith(name, std::string(".so")))
                if (symlink((source + "/" + name).c_str(), (mixed + "/" + name).c_str()) != 0 && errno != EEXIST)
                    throw std::runtime_error("symlink failed for " + name);
    }
    return mixed;
}

unsigned short freePort()
{
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    const unsigned short port = socket.address().port();
    socket.close();
    return port;
}

CommandResult runPorticod(const std::vector<std::string>& args, int timeoutSeconds, const std::string& stdinText)
{
    return runProgram(porticodPath(), args, timeoutSeconds, stdinText);
}

CommandResult runProgram(const std::string& program, const std::vector<std::string>& args, int timeoutSeconds,
                         const std::string& stdinText)
{
    TempDir dir;
    std::vector<std::string> argv{program};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string outputPath = dir.file("output.log");
    const std::string inputPath = stdinText.empty() ? "" : dir.write("stdin.txt", stdinText);
    const int pid = spawn(argv, outputPath, inputPath, {});
    CommandResult result;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
    for (;;)
    {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid)
        {
            result.exitCode = decodeStatus(status);
            break;
        }
        if (std::chrono::steady_clock::now() > deadline)
        {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            result.exitCode = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    result.output = readFile(outputPath);
    return result;
}

namespace {

PorticodProcess::Options withConfig(const std::string& config)
{
    PorticodProcess::Options options;
    options.config = config;
    return options;
}

} // namespace

PorticodProcess::PorticodProcess(const std::string& config) : PorticodProcess(withConfig(config)) {}

PorticodProcess::PorticodProcess(Options options)
{
    if (options.config.find("{plugins}") != std::string::npos)
        pluginDir_ = mixedPluginDir(dir_);
    outputPath_ = dir_.file("porticod.log");
    // freePort() only knows the port was free a moment ago; another test on the machine may
    // take it first. porticod then exits with EX_UNAVAILABLE ("cannot listen"): try another.
    constexpr int cannotListen = 69;
    for (int attempt = 1;; ++attempt)
    {
        port_ = freePort();
        exitCode_ = -1;
        configPath_ = dir_.write("portico." + options.extension, expand(options.config));
        dir_.write("porticod.log", "");
        std::vector<std::string> argv{porticodPath(), "--config=" + configPath_};
        argv.insert(argv.end(), options.extraArgs.begin(), options.extraArgs.end());
        pid_ = spawn(argv, outputPath_, "", options.env);
        if (!options.waitUntilHealthy)
            return;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.startTimeoutSeconds);
        while (running() && std::chrono::steady_clock::now() < deadline)
        {
            try
            {
                if (httpRequest(port_, "GET", "/healthz", "", {}, 2).status == 200)
                    return;
            }
            catch (...)
            {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        if (running())
            throw std::runtime_error("porticod did not become healthy in time:\n" + output());
        const bool portTaken = exitCode_ == cannotListen && output().find("cannot listen") != std::string::npos;
        if (!portTaken || attempt == 3 || options.config.find("{port}") == std::string::npos)
            throw std::runtime_error("porticod exited with " + std::to_string(exitCode_) + " during start-up:\n" +
                                     output());
    }
}

PorticodProcess::~PorticodProcess()
{
    if (pid_ > 0 && running())
    {
        kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
}

std::string PorticodProcess::expand(const std::string& text) const
{
    std::string result = Poco::replace(text, std::string("{port}"), std::to_string(port_));
    result = Poco::replace(result, std::string("{dir}"), dir_.path());
    result = Poco::replace(result, std::string("{plugins}"), pluginDir_);
    return result;
}

void PorticodProcess::rewriteConfig(const std::string& config)
{
    if (config.find("{plugins}") != std::string::npos && pluginDir_.empty())
        pluginDir_ = mixedPluginDir(dir_);
    const std::string name = configPath_.substr(configPath_.rfind('/') + 1);
    dir_.write(name, expand(config));
}

void PorticodProcess::signal(int signal) const
{
    if (pid_ > 0)
        kill(pid_, signal);
}

bool PorticodProcess::running()
{
    if (pid_ <= 0 || exitCode_ != -1)
        return false;
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_)
    {
        exitCode_ = decodeStatus(status);
        return false;
    }
    return true;
}

int PorticodProcess::waitForExit(int timeoutSeconds)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
    while (running())
    {
        if (std::chrono::steady_clock::now() > deadline)
            return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exitCode_;
}

std::string PorticodProcess::output() const
{
    return readFile(outputPath_);
}

bool PorticodProcess::waitForOutput(const std::string& text, int timeoutSeconds)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
    while (std::chrono::steady_clock::now() < deadline)
    {
        if (output().find(text) != std::string::npos)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

} // namespace portico::test
