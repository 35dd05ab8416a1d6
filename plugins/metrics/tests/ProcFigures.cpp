#include "ProcFigures.h"
#include "TempDir.h"
#include <sys/resource.h>
#include <unistd.h>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace portico::metrics::test {

namespace {

std::string mustRead(const std::string& path)
{
    const std::string text = portico::test::readFile(path);
    if (text.empty())
        throw std::runtime_error("cannot read " + path);
    return text;
}

/// The number after `key` on its line of a "Key:   value" file (status), or after "key " (stat).
double numberAfter(const std::string& text, const std::string& key, const std::string& path)
{
    const auto at = text.find(key);
    if (at == std::string::npos || (at > 0 && text[at - 1] != '\n'))
        throw std::runtime_error("no " + key + " in " + path);
    return std::stod(text.substr(at + key.size()));
}

} // namespace

ProcFigures readProcFigures(int pid)
{
    const std::string dir = "/proc/" + std::to_string(pid);
    ProcFigures figures;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));

    // stat: the fields after the command name, which ends at the last ')'.
    const std::string stat = mustRead(dir + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos)
        throw std::runtime_error("no command name in " + dir + "/stat");
    // Fields from (3) state on: (14) utime and (15) stime, (22) starttime.
    std::istringstream fields(stat.substr(close + 1));
    std::vector<std::string> values;
    for (std::string value; values.size() < 20 && fields >> value;)
        values.push_back(value);
    if (values.size() < 20)
        throw std::runtime_error("unexpected " + dir + "/stat: " + stat);
    const unsigned long long utime = std::stoull(values[14 - 3]);
    const unsigned long long stime = std::stoull(values[15 - 3]);
    const unsigned long long starttime = std::stoull(values[22 - 3]);
    figures.cpuSeconds = static_cast<double>(utime + stime) / ticks;
    figures.startTime = numberAfter(mustRead("/proc/stat"), "btime ", "/proc/stat") +
                        static_cast<double>(starttime) / ticks;

    const std::string status = mustRead(dir + "/status");
    figures.residentBytes = numberAfter(status, "VmRSS:", dir + "/status") * 1024;
    figures.virtualBytes = numberAfter(status, "VmSize:", dir + "/status") * 1024;
    figures.threads = numberAfter(status, "Threads:", dir + "/status");

    std::size_t fds = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir + "/fd"))
        ++fds;
    figures.openFds = static_cast<double>(fds);

    rlimit limit{};
    if (prlimit(pid, RLIMIT_NOFILE, nullptr, &limit) != 0)
        throw std::runtime_error("prlimit(" + std::to_string(pid) + ") failed");
    figures.maxFds = static_cast<double>(limit.rlim_cur);
    return figures;
}

} // namespace portico::metrics::test
