#pragma once
// What the process family should say about a process, read by the tests on their own (their
// own parsing, and other sources where there are: /proc/<pid>/status for memory and threads,
// prlimit(2) for the descriptor limit), to check ProcessMetrics against.

namespace portico::metrics::test {

struct ProcFigures
{
    double cpuSeconds = 0;  ///< (utime + stime) / CLK_TCK from /proc/<pid>/stat
    double startTime = 0;   ///< btime (/proc/stat) + starttime / CLK_TCK
    double residentBytes = 0; ///< VmRSS of /proc/<pid>/status
    double virtualBytes = 0;  ///< VmSize of /proc/<pid>/status
    double threads = 0;     ///< Threads of /proc/<pid>/status
    double openFds = 0;     ///< entries of /proc/<pid>/fd
    double maxFds = 0;      ///< soft RLIMIT_NOFILE by prlimit(2)
};

/// Reads every figure of `pid` now; throws std::runtime_error naming what could not be read.
ProcFigures readProcFigures(int pid);

} // namespace portico::metrics::test
