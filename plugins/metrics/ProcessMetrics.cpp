#include "ProcessMetrics.h"
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>

namespace portico::metrics {

namespace {

/// The whole of a /proc file. procfs reports a size of 0, so it is read until the end rather
/// than by its size. False when it cannot be opened or read.
bool readWhole(const std::string& path, std::string& text)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    text.clear();
    char buffer[4096];
    for (;;)
    {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got > 0)
        {
            text.append(buffer, static_cast<std::size_t>(got));
            continue;
        }
        if (got < 0 && errno == EINTR)
            continue;
        ::close(fd);
        return got == 0;
    }
}

/// Entries of a directory, "." and ".." aside; empty when it cannot be read. Like
/// client_golang (and the Python client), the descriptor this listing holds open is counted.
std::optional<double> countEntries(const std::string& path)
{
    DIR* dir = ::opendir(path.c_str());
    if (!dir)
        return std::nullopt;
    double count = 0;
    errno = 0;
    while (const dirent* entry = ::readdir(dir))
    {
        if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
            ++count;
    }
    const bool failed = errno != 0;
    ::closedir(dir);
    if (failed)
        return std::nullopt;
    return count;
}

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type, double value)
{
    prometheus::MetricFamily result;
    result.name = name;
    result.help = help;
    result.type = type;
    prometheus::ClientMetric metric;
    if (type == prometheus::MetricType::Counter)
        metric.counter.value = value;
    else
        metric.gauge.value = value;
    result.metric.push_back(std::move(metric));
    return result;
}

} // namespace

std::optional<ProcStat> parseProcStat(const std::string& text)
{
    // "pid (comm) state ppid ...": comm is whatever the process named itself, so only the last
    // ')' reliably ends it.
    const auto close = text.rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::istringstream fields(text.substr(close + 1));
    // Fields from (3) state on; the ones wanted are (14), (15), (20), (22), (23), (24).
    std::vector<std::string> values;
    std::string value;
    while (values.size() < 22 && fields >> value)
        values.push_back(value);
    if (values.size() < 22)
        return std::nullopt;
    const auto field = [&values](int number) { return values[static_cast<std::size_t>(number - 3)].c_str(); };
    const auto unsignedField = [&](int number, unsigned long long& out) {
        char* end = nullptr;
        errno = 0;
        out = std::strtoull(field(number), &end, 10);
        return errno == 0 && end && *end == '\0' && *field(number) != '-';
    };
    const auto signedField = [&](int number, long long& out) {
        char* end = nullptr;
        errno = 0;
        out = std::strtoll(field(number), &end, 10);
        return errno == 0 && end && *end == '\0';
    };
    ProcStat stat;
    if (!unsignedField(14, stat.utimeTicks) || !unsignedField(15, stat.stimeTicks) ||
        !signedField(20, stat.threads) || !unsignedField(22, stat.startTicks) ||
        !unsignedField(23, stat.vsizeBytes) || !signedField(24, stat.rssPages))
        return std::nullopt;
    return stat;
}

std::optional<long long> parseBootTime(const std::string& text)
{
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
    {
        if (line.compare(0, 6, "btime ") != 0)
            continue;
        char* end = nullptr;
        errno = 0;
        const long long seconds = std::strtoll(line.c_str() + 6, &end, 10);
        if (errno != 0 || end == line.c_str() + 6 || seconds <= 0)
            return std::nullopt;
        return seconds;
    }
    return std::nullopt;
}

std::optional<double> parseMaxOpenFiles(const std::string& text)
{
    // "Max open files            1024                 524288               files"
    static const std::string label = "Max open files";
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
    {
        if (line.compare(0, label.size(), label) != 0)
            continue;
        std::istringstream columns(line.substr(label.size()));
        std::string soft;
        if (!(columns >> soft))
            return std::nullopt;
        if (soft == "unlimited")
            return static_cast<double>(std::numeric_limits<std::uint64_t>::max());
        char* end = nullptr;
        errno = 0;
        const unsigned long long limit = std::strtoull(soft.c_str(), &end, 10);
        if (errno != 0 || *end != '\0' || soft[0] == '-')
            return std::nullopt;
        return static_cast<double>(limit);
    }
    return std::nullopt;
}

ProcessMetrics::ProcessMetrics(std::string procDir)
    : procDir_(std::move(procDir)),
      // CLK_TCK is what stat's times count in (client_golang's procfs assumes 100, which is
      // what Linux reports everywhere; asking costs nothing and stays right if it is not).
      ticksPerSecond_(static_cast<double>(::sysconf(_SC_CLK_TCK))),
      pageSize_(static_cast<double>(::sysconf(_SC_PAGESIZE)))
{
}

std::optional<double> ProcessMetrics::startTime(unsigned long long startTicks) const
{
    long long boot = bootTime_.load(std::memory_order_relaxed);
    if (boot == 0)
    {
        std::string text;
        if (!readWhole(procDir_ + "/stat", text))
            return std::nullopt;
        const auto parsed = parseBootTime(text);
        if (!parsed)
            return std::nullopt;
        boot = *parsed;
        bootTime_.store(boot, std::memory_order_relaxed); // two first scrapes store the same
    }
    return static_cast<double>(boot) + static_cast<double>(startTicks) / ticksPerSecond_;
}

ProcessSample ProcessMetrics::sample() const
{
    // Each source is read on its own: a file that cannot be read (procfs not mounted, a
    // sandbox that hides part of it, descriptors exhausted) leaves out its figures only. A
    // scrape that failed as a whole would also lose every portico_* series, which matter most
    // in exactly such a moment.
    ProcessSample sample;
    std::string text;
    if (readWhole(procDir_ + "/self/stat", text))
    {
        if (const auto stat = parseProcStat(text))
        {
            sample.cpuSeconds = static_cast<double>(stat->utimeTicks + stat->stimeTicks) / ticksPerSecond_;
            sample.residentBytes = static_cast<double>(stat->rssPages) * pageSize_;
            sample.virtualBytes = static_cast<double>(stat->vsizeBytes);
            sample.threads = static_cast<double>(stat->threads);
            sample.startTimeSeconds = startTime(stat->startTicks);
        }
    }
    if (readWhole(procDir_ + "/self/limits", text))
        sample.maxFds = parseMaxOpenFiles(text);
    sample.openFds = countEntries(procDir_ + "/self/fd");
    return sample;
}

std::vector<prometheus::MetricFamily> ProcessMetrics::Collect() const
{
    using prometheus::MetricType;
    const ProcessSample now = sample();
    std::vector<prometheus::MetricFamily> families;
    const auto add = [&families](const std::optional<double>& value, const char* name, const char* help,
                                 MetricType type = MetricType::Gauge) {
        if (value)
            families.push_back(family(name, help, type, *value));
    };
    add(now.cpuSeconds, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
        MetricType::Counter);
    add(now.openFds, "process_open_fds", "Number of open file descriptors.");
    add(now.maxFds, "process_max_fds", "Maximum number of open file descriptors.");
    add(now.virtualBytes, "process_virtual_memory_bytes", "Virtual memory size in bytes.");
    add(now.residentBytes, "process_resident_memory_bytes", "Resident memory size in bytes.");
    add(now.startTimeSeconds, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.");
    add(now.threads, "process_threads", "Number of OS threads in the process.");
    return families;
}

} // namespace portico::metrics
