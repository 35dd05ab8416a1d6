#pragma once
// Runs the installed porticod (from the staged install) as a child process for integration
// tests: writes the config, picks a free port, waits until /healthz answers, captures stdout and
// stderr to a file, and kills the process when the object goes away.

#include "TempDir.h"
#include <map>
#include <string>
#include <vector>

namespace portico::test {

/// <build>/stage, where the stage_install fixture put `cmake --install`.
std::string stageDir();
/// <stage>/sbin/porticod
std::string porticodPath();
/// <stage>/lib/portico/plugins
std::string stagePluginDir();
/// <build>/fixtures: test-only plugin libraries (probe_a.so, abi_mismatch.so, ...).
std::string fixturePluginDir();
/// A directory holding links to every staged plugin and every fixture plugin, for configs that
/// mix them (plugins.path takes one directory).
std::string mixedPluginDir(const TempDir& dir);
/// A TCP port on 127.0.0.1 that was free a moment ago.
unsigned short freePort();

struct CommandResult
{
    int exitCode = -1;
    std::string output; ///< stdout and stderr together
};

/// Runs porticod with `args` to completion (for --check-config, --version, bad configs),
/// killing it after `timeoutSeconds`.
CommandResult runPorticod(const std::vector<std::string>& args, int timeoutSeconds = 20,
                          const std::string& stdinText = "");
/// The same for another program (e.g. <stage>/sbin/portico-keys).
CommandResult runProgram(const std::string& program, const std::vector<std::string>& args, int timeoutSeconds = 20,
                         const std::string& stdinText = "");

class PorticodProcess
{
public:
    struct Options
    {
        /// The config file's text. "{port}" is replaced by the chosen port, "{dir}" by the
        /// process's temp directory, "{plugins}" by a mixed staged+fixture plugin directory.
        std::string config;
        std::string extension = "ini";
        std::vector<std::string> extraArgs;
        std::map<std::string, std::string> env;
        /// Wait for /healthz to answer 200 (false: return right after the launch).
        bool waitUntilHealthy = true;
        int startTimeoutSeconds = 20;
    };

    explicit PorticodProcess(Options options);
    /// Shorthand: config text only.
    explicit PorticodProcess(const std::string& config);
    ~PorticodProcess();
    PorticodProcess(const PorticodProcess&) = delete;
    PorticodProcess& operator=(const PorticodProcess&) = delete;

    unsigned short port() const { return port_; }
    int pid() const { return pid_; }
    const TempDir& dir() const { return dir_; }
    const std::string& configPath() const { return configPath_; }
    /// Rewrites the config file (placeholders replaced as at start), e.g. before a SIGHUP.
    void rewriteConfig(const std::string& config);

    void signal(int signal) const;
    /// Waits for the process to exit; returns its exit code (128+N when killed by signal N),
    /// or -1 when it is still running after `timeoutSeconds`.
    int waitForExit(int timeoutSeconds);
    bool running();
    /// Everything the process wrote to stdout and stderr so far.
    std::string output() const;
    /// Waits until output() contains `text`; false after `timeoutSeconds`.
    bool waitForOutput(const std::string& text, int timeoutSeconds);

private:
    std::string expand(const std::string& text) const;

    TempDir dir_;
    unsigned short port_ = 0;
    int pid_ = -1;
    int exitCode_ = -1;
    std::string configPath_;
    std::string outputPath_;
    std::string pluginDir_;
};

} // namespace portico::test
