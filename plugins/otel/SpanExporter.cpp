#include "SpanExporter.h"
#include "OtelMetrics.h"
#include "OtlpBatch.h"
#include "OtlpSender.h"
#include "SpanQueue.h"
#include "Poco/Logger.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace portico::otel {

struct SpanExporter::Shared
{
    Shared(std::shared_ptr<const OtelConfig> c, OtelMetrics& m, Poco::Logger& l)
        : config(std::move(c)), queue(config->maxQueueSize, config->maxExportBatchSize), metrics(m), logger(l)
    {
    }

    std::shared_ptr<const OtelConfig> config;
    SpanQueue queue;
    OtelMetrics& metrics; // in the process-wide registry: outlives every plugin
    Poco::Logger& logger; // Poco's loggers live as long as the process

    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
};

namespace {

constexpr auto WarningInterval = std::chrono::seconds(10);

/// Logs export failures at most once per WarningInterval, and the recovery once.
class FailureLog
{
public:
    FailureLog(Poco::Logger& logger, const std::string& url) : logger_(logger), url_(url) {}

    void failed(const std::string& why, std::size_t spans)
    {
        ++failures_;
        const auto now = std::chrono::steady_clock::now();
        if (failing_ && now - lastWarning_ < WarningInterval)
            return;
        logger_.warning("otel: export to " + url_ + " failed: " + why + "; " + std::to_string(spans) +
                        " spans dropped" +
                        (failures_ > 1 ? " (" + std::to_string(failures_) + " failed exports since the last warning)"
                                       : std::string()));
        failing_ = true;
        failures_ = 0;
        lastWarning_ = now;
    }

    void succeeded()
    {
        if (!failing_)
            return;
        failing_ = false;
        failures_ = 0;
        logger_.information("otel: export to " + url_ + " works again");
    }

private:
    Poco::Logger& logger_;
    const std::string url_;
    bool failing_ = false;
    long failures_ = 0;
    std::chrono::steady_clock::time_point lastWarning_;
};

} // namespace

SpanExporter::SpanExporter(std::shared_ptr<const OtelConfig> config, OtelMetrics& metrics, Poco::Logger& logger)
    : shared_(std::make_shared<Shared>(std::move(config), metrics, logger))
{
}

SpanExporter::~SpanExporter()
{
    stop();
}

void SpanExporter::submit(std::string_view framed, std::size_t count)
{
    if (count != 0 && !shared_->queue.push(framed, count))
        shared_->metrics.droppedQueueFull.Increment(static_cast<double>(count));
}

void SpanExporter::start()
{
    if (!thread_.joinable() && !shared_->queue.closed())
        thread_ = std::thread(&SpanExporter::run, shared_);
}

void SpanExporter::stop()
{
    shared_->queue.close();
    if (!thread_.joinable())
        return;
    std::unique_lock<std::mutex> lock(shared_->mutex);
    const auto bound = shared_->config->exportTimeout + std::chrono::seconds(1);
    if (shared_->finished.wait_for(lock, bound, [this] { return shared_->done; }))
    {
        lock.unlock();
        thread_.join();
        return;
    }
    lock.unlock();
    shared_->logger.warning("otel: the exporter did not finish within " + std::to_string(bound.count()) +
                            " ms of stopping (the collector does not answer); its spans are dropped");
    thread_.detach();
}

void SpanExporter::run(std::shared_ptr<Shared> shared)
{
    const OtelConfig& config = *shared->config;
    OtelMetrics& metrics = shared->metrics;
    OtlpSender sender(config);
    const OtlpBatch encoder(config.resource, config.protocol == OtelConfig::Protocol::Json ? OtlpBatch::Format::Json
                                                                                          : OtlpBatch::Format::Protobuf);
    FailureLog failures(shared->logger, config.url);
    SpanBatch batch; // its buffer goes back and forth with the queue's: no allocation per batch
    for (;;)
    {
        shared->queue.take(config.scheduleDelay, batch);
        metrics.queued.Set(static_cast<double>(shared->queue.size()));
        if (batch.count == 0)
        {
            if (shared->queue.closed())
                break;
            continue;
        }
        const double count = static_cast<double>(batch.count);
        std::string why;
        try
        {
            why = sender.send(encoder.wrap(batch.framed));
        }
        catch (const std::exception& e)
        {
            why = e.what(); // encoding ran out of memory: the batch is lost like a failed export
        }
        if (why.empty())
        {
            metrics.exported.Increment(count);
            metrics.exportsOk.Increment();
            failures.succeeded();
            continue;
        }
        metrics.droppedExportFailed.Increment(count);
        metrics.exportsFailed.Increment();
        failures.failed(why, static_cast<std::size_t>(count));
        if (shared->queue.closed())
        {
            // Stopping with the collector down: what is left would only fail in turn.
            for (shared->queue.take(std::chrono::milliseconds(0), batch); batch.count != 0;
                 shared->queue.take(std::chrono::milliseconds(0), batch))
                metrics.droppedShutdown.Increment(static_cast<double>(batch.count));
            break;
        }
    }
    metrics.queued.Set(0);
    std::lock_guard<std::mutex> lock(shared->mutex);
    shared->done = true;
    shared->finished.notify_all();
}

} // namespace portico::otel
