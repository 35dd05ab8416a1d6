#include "log/LogPipeline.h"
#include "log/LineOutput.h"
#include "log/LineQueue.h"
#include "Poco/AutoPtr.h"
#include "Poco/Channel.h"
#include "Poco/Logger.h"
#include "Poco/Message.h"
#include "Poco/PatternFormatter.h"
#include <atomic>
#include <csignal>
#include <memory>
#include <pthread.h>

namespace portico {

struct LogPipeline::Shared
{
    /// Read and written with std::atomic_load / std::atomic_store only.
    std::shared_ptr<const Filters> filters = std::make_shared<const Filters>();
    std::shared_ptr<LineOutput> output;
    /// While the writer thread runs: where lines go; null: write at once. The queue itself is
    /// owned below and lives as long as the channel does, not just the pipeline: a logging
    /// thread may still hold the pointer when the pipeline stops.
    std::atomic<LineQueue*> queue{nullptr};
    std::unique_ptr<LineQueue> ownedQueue;
    std::atomic<std::uint64_t> dropped{0};
    /// Lines queued and lines written by the writer (flush() waits for them to meet).
    std::atomic<std::uint64_t> queued{0};
    std::atomic<std::uint64_t> written{0};

    std::shared_ptr<const Filters> current() const { return std::atomic_load(&filters); }

    bool apply(std::string& line) const
    {
        const std::shared_ptr<const Filters> set = current();
        for (const auto& filter : *set)
        {
            try
            {
                filter->apply(line);
            }
            catch (...)
            {
                // The line may be half rewritten, or not at all: neither may be written.
                line = FilterFailed;
                return false;
            }
        }
        return true;
    }
};

/// The root logger's channel: format, filter, one write per line.
class LogPipeline::Channel : public Poco::Channel
{
public:
    explicit Channel(std::shared_ptr<Shared> shared)
        : shared_(std::move(shared)), formatter_(new Poco::PatternFormatter(Pattern))
    {
        formatter_->setProperty(Poco::PatternFormatter::PROP_TIMES, "UTC");
    }

    void log(const Poco::Message& message) override
    {
        // PatternFormatter::format only reads its parsed pattern: safe from any thread, as
        // Poco's own FormattingChannel uses it.
        std::string line;
        formatter_->format(message, line);
        if (!shared_->apply(line))
        {
            line.clear();
            formatter_->format(Poco::Message(message, FilterFailed), line);
        }
        line += '\n';
        if (LineQueue* queue = shared_->queue.load(std::memory_order_acquire))
        {
            if (queue->push(std::move(line)))
                shared_->queued.fetch_add(1);
            else
                shared_->dropped.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        shared_->output->write(line); // stderr gone: nowhere left to say so
    }

private:
    const std::shared_ptr<Shared> shared_;
    // Not const: a const AutoPtr hands out a pointer to const, and format() is not const.
    Poco::AutoPtr<Poco::PatternFormatter> formatter_;
};

LogPipeline::LogPipeline(int fd) : shared_(std::make_shared<Shared>())
{
    shared_->output = LineOutput::of(fd);
}

LogPipeline::~LogPipeline()
{
    LineQueue* queue = shared_->queue.exchange(nullptr);
    if (!queue)
        return;
    queue->close(); // the writer writes what is queued, then returns
    if (writer_.joinable())
        writer_.join();
}

std::uint64_t LogPipeline::droppedLines() const
{
    return shared_->dropped.load(std::memory_order_relaxed);
}

void LogPipeline::flush(std::chrono::milliseconds timeout)
{
    const std::uint64_t target = shared_->queued.load();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (shared_->queue.load() && shared_->written.load() < target && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void LogPipeline::writeQueued(LineQueue* queue)
{
    {
        // The signals porticod takes with sigwait() are never this thread's.
        sigset_t set;
        sigemptyset(&set);
        for (int signal : {SIGINT, SIGTERM, SIGQUIT, SIGHUP})
            sigaddset(&set, signal);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
    }
    std::vector<std::string> lines;
    std::string batch;
    while (queue->takeAll(lines))
    {
        batch.clear();
        for (const auto& line : lines)
            batch += line; // each ends in '\n'
        shared_->output->write(batch);
        shared_->written.fetch_add(lines.size());
    }
}

void LogPipeline::install()
{
    if (installed_)
        return;
    installed_ = true;
    static constexpr std::size_t QueueBytes = 4 << 20;
    shared_->ownedQueue = std::make_unique<LineQueue>(QueueBytes);
    LineQueue* queue = shared_->ownedQueue.get();
    shared_->queue.store(queue, std::memory_order_release);
    writer_ = std::thread([this, queue] { writeQueued(queue); });
    Poco::AutoPtr<Channel> channel(new Channel(shared_));
    Poco::Logger::root(); // the root must exist for setChannel("") to reach it
    // "" is a prefix of every name: the root and every logger made so far get the channel.
    Poco::Logger::setChannel("", channel);
}

void LogPipeline::setLevel(const std::string& level)
{
    Poco::Logger::setLevel("", Poco::Logger::parseLevel(level));
}

void LogPipeline::setFilters(Filters filters)
{
    std::atomic_store(&shared_->filters, std::shared_ptr<const Filters>(std::make_shared<const Filters>(std::move(filters))));
}

std::shared_ptr<const LogPipeline::Filters> LogPipeline::filters() const
{
    return shared_->current();
}

bool LogPipeline::apply(std::string& line) const
{
    return shared_->apply(line);
}

} // namespace portico
