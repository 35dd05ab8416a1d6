#include "http/AccessLog.h"
#include "http/AccessLogDestination.h"
#include "log/LogPipeline.h"
#include "portico/Errors.h"
#include "Poco/Logger.h"
#include <cerrno>
#include <csignal>
#include <cstring>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <pthread.h>
#include <unistd.h>

namespace portico {

namespace {

constexpr auto ReportInterval = std::chrono::minutes(1);

prometheus::Family<prometheus::Counter>& registerDropped(prometheus::Registry& registry)
{
    return prometheus::BuildCounter()
        .Name("portico_access_log_dropped_total")
        .Help("Access log lines lost: queue_full when the destination could not keep up (the line was dropped, "
              "the request did not wait), write_failed when the destination refused it.")
        .Register(registry);
}

/// The writer thread must not take the signals porticod waits for with sigwait(), whatever
/// the mask of the thread that made this AccessLog.
void blockProcessSignals()
{
    sigset_t set;
    sigemptyset(&set);
    for (int signal : {SIGINT, SIGTERM, SIGQUIT, SIGHUP})
        sigaddset(&set, signal);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

} // namespace

AccessLog::AccessLog(prometheus::Registry& metrics, const LogPipeline& pipeline, AccessLogOptions options)
    : pipeline_(pipeline),
      streamFd_(options.streamFd),
      queue_(options.queueBytes),
      destination_(AccessLogDestination::stream(options.streamFd)),
      droppedFamily_(registerDropped(metrics)),
      queueFullCounter_(droppedFamily_.Add({{"reason", "queue_full"}})),
      writeFailedCounter_(droppedFamily_.Add({{"reason", "write_failed"}})),
      lastReport_(std::chrono::steady_clock::now() - ReportInterval)
{
    writer_ = std::thread([this] { run(); });
}

AccessLog::~AccessLog()
{
    queue_.close();
    writer_.join();
}

void AccessLog::configure(const AccessLogSettings& settings)
{
    std::shared_ptr<AccessLogDestination> destination;
    switch (settings.target)
    {
    case AccessLogSettings::Target::Off:
        break;
    case AccessLogSettings::Target::Stderr:
        destination = AccessLogDestination::stream(streamFd_);
        break;
    case AccessLogSettings::Target::File:
        destination = AccessLogDestination::file(settings); // throws before anything changes
        break;
    }
    // The destination before the flag: a line recorded as soon as the log is on must find it.
    const bool enabled = destination != nullptr;
    std::atomic_store(&destination_, std::move(destination));
    enabled_ = enabled;
}

void AccessLog::check(const AccessLogSettings& settings)
{
    if (settings.target != AccessLogSettings::Target::File)
        return;
    // The file if it exists, else the directory it would be created in.
    const bool exists = ::access(settings.file.c_str(), F_OK) == 0;
    const auto slash = settings.file.rfind('/');
    const std::string directory =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : settings.file.substr(0, slash));
    const std::string& target = exists ? settings.file : directory;
    if (::access(target.c_str(), W_OK) != 0)
        throw ConfigError(settings.source + ": [log] access_file: cannot open " + settings.file + ": " +
                          (exists ? "" : "directory " + directory + ": ") + std::strerror(errno));
}

void AccessLog::record(const Exchange& exchange, Outcome outcome)
{
    if (!enabled_.load(std::memory_order_relaxed))
        return;
    if (queue_.push(format(exchange, outcome, Poco::Timestamp())))
        return;
    queueFullCounter_.Increment();
    droppedFull_.fetch_add(1, std::memory_order_relaxed);
}

void AccessLog::run()
{
    blockProcessSignals();
    std::vector<std::string> batch;
    while (queue_.takeAll(batch))
    {
        write(batch);
        reportLosses();
    }
}

void AccessLog::write(std::vector<std::string>& batch)
{
    const std::shared_ptr<AccessLogDestination> destination = std::atomic_load(&destination_);
    if (!destination)
        return; // log.access = off since these were queued
    for (auto& line : batch)
        pipeline_.apply(line); // a throwing filter leaves LogPipeline::FilterFailed in its place
    const AccessLogDestination::Result result = destination->write(batch);
    if (result.lost == 0)
        return;
    writeFailedCounter_.Increment(static_cast<double>(result.lost));
    droppedFailed_.fetch_add(result.lost, std::memory_order_relaxed);
    lastWriteError_ = result.error;
}

void AccessLog::reportLosses()
{
    const auto now = std::chrono::steady_clock::now();
    if (now - lastReport_ < ReportInterval)
        return;
    const std::uint64_t full = droppedFull_.load() - reportedFull_;
    const std::uint64_t failed = droppedFailed_.load() - reportedFailed_;
    if (full == 0 && failed == 0)
        return;
    reportedFull_ += full;
    reportedFailed_ += failed;
    lastReport_ = now;
    Poco::Logger& logger = Poco::Logger::get("portico.core");
    if (full > 0)
        logger.warning("access log: " + std::to_string(full) + " line(s) dropped, its destination is slower than the "
                       "requests (queue of " + std::to_string(queue_.capacity() / 1024) +
                       " KiB full; portico_access_log_dropped_total)");
    if (failed > 0)
        logger.error("access log: " + std::to_string(failed) + " line(s) could not be written: " + lastWriteError_);
}

} // namespace portico
