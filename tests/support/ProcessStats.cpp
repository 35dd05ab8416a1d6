#include "ProcessStats.h"
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace portico::test {

namespace {

std::size_t countFds(int pid)
{
    const std::string path = "/proc/" + std::to_string(pid) + "/fd";
    DIR* dir = ::opendir(path.c_str());
    if (!dir)
        throw std::runtime_error("cannot read " + path + " (is the process gone?)");
    std::size_t count = 0;
    while (const dirent* entry = ::readdir(dir))
        if (entry->d_name[0] != '.')
            ++count;
    ::closedir(dir);
    return count;
}

} // namespace

ProcessStats processStats(int pid)
{
    ProcessStats stats;
    stats.openFds = countFds(pid);
    const std::string path = "/proc/" + std::to_string(pid) + "/status";
    std::ifstream status(path);
    if (!status)
        throw std::runtime_error("cannot read " + path);
    std::string line;
    while (std::getline(status, line))
    {
        std::istringstream fields(line);
        std::string name;
        std::size_t value = 0;
        fields >> name >> value;
        if (name == "VmRSS:")
            stats.rssKiB = value;
        else if (name == "VmHWM:")
            stats.peakRssKiB = value;
        else if (name == "Threads:")
            stats.threads = value;
    }
    return stats;
}

} // namespace portico::test
