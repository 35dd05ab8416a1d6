#include "UsableCpus.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <sched.h>
#include <sstream>
#include <thread>

namespace portico {

namespace {

std::optional<long long> number(std::string_view text)
{
    long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::optional<std::string> readFile(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

int affinityCpuCount()
{
    // The mask is sized for the kernel's CPU count: a fixed cpu_set_t (1,024 CPUs) fails with
    // EINVAL on larger machines, so grow it until the call fits.
    for (int cpus = 1024; cpus <= 1 << 16; cpus *= 2)
    {
        cpu_set_t* set = CPU_ALLOC(cpus);
        if (!set)
            return 0;
        const std::size_t size = CPU_ALLOC_SIZE(cpus);
        CPU_ZERO_S(size, set);
        const int result = sched_getaffinity(0, size, set);
        const int count = result == 0 ? CPU_COUNT_S(size, set) : 0;
        const bool tooSmall = result != 0 && errno == EINVAL;
        CPU_FREE(set);
        if (!tooSmall)
            return count;
    }
    return 0;
}

std::optional<int> cpuMaxLimit(std::string_view cpuMax)
{
    while (!cpuMax.empty() && (cpuMax.back() == '\n' || cpuMax.back() == ' '))
        cpuMax.remove_suffix(1);
    const std::size_t space = cpuMax.find(' ');
    if (space == std::string_view::npos)
        return std::nullopt;
    const std::optional<long long> quota = number(cpuMax.substr(0, space));
    const std::optional<long long> period = number(cpuMax.substr(space + 1));
    // "max" (no quota) reads as no number.
    if (!quota || !period || *quota <= 0 || *period <= 0)
        return std::nullopt;
    const long long cpus = (*quota + *period - 1) / *period;
    return static_cast<int>(std::min<long long>(cpus, 1 << 16));
}

std::optional<int> cgroupCpuLimit(const std::string& cgroupRoot, std::string_view procSelfCgroup)
{
    // cgroup v2 is the line "0::<path>"; v1 controllers have their own lines and are not read.
    std::string_view path;
    bool found = false;
    while (!procSelfCgroup.empty())
    {
        const std::size_t end = procSelfCgroup.find('\n');
        const std::string_view line = procSelfCgroup.substr(0, end);
        procSelfCgroup = end == std::string_view::npos ? std::string_view() : procSelfCgroup.substr(end + 1);
        if (line.size() >= 3 && line.substr(0, 3) == "0::")
        {
            path = line.substr(3);
            found = true;
            break;
        }
    }
    if (!found || path.empty() || path.front() != '/' || path.find("/..") != std::string_view::npos)
        return std::nullopt;
    // A limit on any ancestor bounds this cgroup as well: the tightest one counts.
    std::optional<int> tightest;
    std::string dir(path);
    while (true)
    {
        if (const std::optional<std::string> cpuMax = readFile(cgroupRoot + dir + (dir == "/" ? "" : "/") + "cpu.max"))
            if (const std::optional<int> limit = cpuMaxLimit(*cpuMax))
                tightest = tightest ? std::min(*tightest, *limit) : *limit;
        if (dir == "/")
            break;
        const std::size_t slash = dir.rfind('/');
        dir.resize(slash == 0 ? 1 : slash);
    }
    return tightest;
}

int usableCpuCount()
{
    int cpus = affinityCpuCount();
    if (cpus <= 0)
        cpus = static_cast<int>(std::thread::hardware_concurrency());
    if (const std::optional<std::string> cgroup = readFile("/proc/self/cgroup"))
        if (const std::optional<int> limit = cgroupCpuLimit("/sys/fs/cgroup", *cgroup))
            cpus = cpus > 0 ? std::min(cpus, *limit) : *limit;
    return std::max(cpus, 1);
}

} // namespace portico
