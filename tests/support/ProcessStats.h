#pragma once
// What /proc says about a running process: open file descriptors, resident memory, threads.
// The abuse and soak tests use it to see leaks from outside, exactly as an operator would.

#include <cstddef>

namespace portico::test {

struct ProcessStats
{
    /// Entries in /proc/<pid>/fd (sockets, log files, the listening socket, ...).
    std::size_t openFds = 0;
    /// VmRSS from /proc/<pid>/status, in KiB.
    std::size_t rssKiB = 0;
    /// VmHWM: the most resident memory the process has had, in KiB.
    std::size_t peakRssKiB = 0;
    /// Threads from /proc/<pid>/status.
    std::size_t threads = 0;
};

/// Reads the figures for `pid`; throws std::runtime_error when the process is gone.
ProcessStats processStats(int pid);

} // namespace portico::test
