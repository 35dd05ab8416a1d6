#pragma once
// The standard Prometheus process family, as every Prometheus client library exports it by
// default (names, types and HELP texts of client_golang's process collector, plus
// process_threads as the Rust client has it), read from /proc when /metrics is scraped:
//
//   process_cpu_seconds_total      counter  user + system CPU time: (utime + stime) / CLK_TCK
//   process_resident_memory_bytes  gauge    rss pages (/proc/self/stat) * page size
//   process_virtual_memory_bytes   gauge    vsize (/proc/self/stat), in bytes already
//   process_open_fds               gauge    entries of /proc/self/fd
//   process_max_fds                gauge    soft "Max open files" of /proc/self/limits
//   process_start_time_seconds     gauge    btime (/proc/stat) + starttime / CLK_TCK
//   process_threads                gauge    num_threads (/proc/self/stat)
//
// It is a prometheus::Collectable the exposition collects beside the registry, so each scrape
// reads the figures of that moment and nothing runs between scrapes (no thread, no timer).

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace portico::metrics {

/// The fields of /proc/<pid>/stat the process family uses (proc(5) numbering in comments).
struct ProcStat
{
    unsigned long long utimeTicks = 0; ///< (14) user-mode CPU time, clock ticks
    unsigned long long stimeTicks = 0; ///< (15) kernel-mode CPU time, clock ticks
    long long threads = 0;             ///< (20) num_threads
    unsigned long long startTicks = 0; ///< (22) starttime, clock ticks after boot
    unsigned long long vsizeBytes = 0; ///< (23) vsize
    long long rssPages = 0;            ///< (24) rss
};

/// Parses the text of /proc/<pid>/stat; empty when it is not one. The command name (2) is
/// skipped up to its last ')': it may hold spaces and parentheses.
std::optional<ProcStat> parseProcStat(const std::string& text);
/// The boot time (seconds since the epoch) from the `btime` line of /proc/stat.
std::optional<long long> parseBootTime(const std::string& text);
/// The soft limit of the "Max open files" line of /proc/<pid>/limits ("unlimited" reads as
/// 2^64 - 1, as client_golang's procfs reads it).
std::optional<double> parseMaxOpenFiles(const std::string& text);

/// One reading of the figures. A figure whose source could not be read is empty.
struct ProcessSample
{
    std::optional<double> cpuSeconds;
    std::optional<double> residentBytes;
    std::optional<double> virtualBytes;
    std::optional<double> openFds;
    std::optional<double> maxFds;
    std::optional<double> startTimeSeconds;
    std::optional<double> threads;
};

class ProcessMetrics : public prometheus::Collectable
{
public:
    /// `procDir` is where procfs is mounted; the process read is `<procDir>/self` (tests give
    /// another directory to see what a failed read does).
    explicit ProcessMetrics(std::string procDir = "/proc");

    /// Reads the figures now. Never throws: a source that cannot be read leaves its figures
    /// empty.
    ProcessSample sample() const;

    /// One family per figure read (a figure that could not be read is left out, so a /proc
    /// that fails never fails the scrape of everything else).
    std::vector<prometheus::MetricFamily> Collect() const override;

private:
    std::optional<double> startTime(unsigned long long startTicks) const;

    const std::string procDir_;
    const double ticksPerSecond_;
    const double pageSize_;
    /// The boot time once read (0: not yet). /proc/stat is rebuilt by the kernel at every read
    /// (a line per CPU: large on big machines) and the boot time does not change, so it is
    /// read once rather than at every scrape.
    mutable std::atomic<long long> bootTime_{0};
};

} // namespace portico::metrics
