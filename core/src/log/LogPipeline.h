#pragma once
// The process's one logging pipeline: every line porticod writes about itself (the core, every
// plugin) and every access-log line passes the running chain's log filters (the redaction
// plugin's, for one) before it is written.
//
// Poco's loggers are process-global, so install() puts one channel on the root logger; every
// named logger is given it too, and loggers created later copy it from their parent. That
// channel formats a message as "2026-01-02T03:04:05.678Z Notice portico.core: text" (UTC),
// runs the filters over the formatted line and queues it; a writer thread of the pipeline
// writes the queue to stderr, whole lines per write(2). So an event loop that logs never waits
// on a stderr nobody reads: past the queue's 4 MiB, lines are dropped and counted
// (droppedLines(), exported as portico_log_lines_dropped_total). The access log applies the same
// filters on its own writer thread (AccessLog), so a request never pays for them. Before
// install() and after the pipeline is destroyed (late lines at exit) lines are written at once.
//
// The filter set is swapped as a whole (setFilters, on each chain swap) through an atomic
// shared_ptr: a line never takes a lock of ours to read it, and a line being filtered keeps
// the set it started with.
//
// A filter that throws does not lose the line and does not let it through: the line is
// replaced by FilterFailed (the server's own log keeps its time, level and source, which hold
// no secret). Nothing else is said about it: a complaint would go through the same filters.

#include "portico/LogFilter.h"
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace portico {

class LineOutput;
class LineQueue;

class LogPipeline
{
public:
    using Filters = std::vector<std::shared_ptr<const LogFilter>>;

    /// The server log's format (Poco::PatternFormatter, times in UTC).
    static constexpr const char* Pattern = "%Y-%m-%dT%H:%M:%S.%iZ %p %s: %t";
    /// What a line becomes when a filter throws on it.
    static constexpr const char* FilterFailed = "[log line withheld: a log filter failed on it]";

    /// Lines are written to `fd` (not owned): stderr, or a pipe in tests.
    explicit LogPipeline(int fd = STDERR_FILENO);
    /// The installed channel stays on the loggers and keeps the last filters: Poco's loggers
    /// outlive any object, and a line logged during exit must still be filtered.
    ~LogPipeline();
    LogPipeline(const LogPipeline&) = delete;
    LogPipeline& operator=(const LogPipeline&) = delete;

    /// Puts this pipeline's channel on the root logger and on every logger that exists, and
    /// starts the writer thread. Once per pipeline (later calls do nothing), before other
    /// threads log: Poco's Logger::log() uses its channel without a reference, so a channel
    /// replaced under a logging thread could be freed while in use.
    void install();

    /// Server log lines dropped because the queue was full (stderr not read).
    std::uint64_t droppedLines() const;
    /// Waits (up to `timeout`) until the lines queued so far are written.
    void flush(std::chrono::milliseconds timeout = std::chrono::seconds(2));

    /// server.log_level for every logger ("information", "debug", ...). Throws
    /// Poco::InvalidArgumentException for an unknown level.
    void setLevel(const std::string& level);

    /// Replaces the filter set, as a whole and atomically. Filters run in the given order.
    void setFilters(Filters filters);
    /// The current filter set (never null).
    std::shared_ptr<const Filters> filters() const;

    /// Runs the current filters over `line`. False when one threw: `line` is then FilterFailed.
    /// Thread-safe; takes no lock of ours.
    bool apply(std::string& line) const;

private:
    struct Shared;
    class Channel;

    void writeQueued(LineQueue* queue);

    /// Shared with the installed channel, which may outlive this object.
    std::shared_ptr<Shared> shared_;
    bool installed_ = false;
    std::thread writer_;
};

} // namespace portico
