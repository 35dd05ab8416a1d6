#include "log/LogPipeline.h"
#include "log/LineOutput.h"
#include "Poco/AutoPtr.h"
#include "Poco/Channel.h"
#include "Poco/Logger.h"
#include "Poco/Message.h"
#include "Poco/PatternFormatter.h"
#include <atomic>

namespace portico {

struct LogPipeline::Shared
{
    /// Read and written with std::atomic_load / std::atomic_store only.
    std::shared_ptr<const Filters> filters = std::make_shared<const Filters>();
    std::shared_ptr<LineOutput> output;

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
    explicit Channel(std::shared_ptr<const Shared> shared)
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
        shared_->output->write(line); // stderr gone: nowhere left to say so
    }

private:
    const std::shared_ptr<const Shared> shared_;
    // Not const: a const AutoPtr hands out a pointer to const, and format() is not const.
    Poco::AutoPtr<Poco::PatternFormatter> formatter_;
};

LogPipeline::LogPipeline(int fd) : shared_(std::make_shared<Shared>())
{
    shared_->output = LineOutput::of(fd);
}

LogPipeline::~LogPipeline() = default;

void LogPipeline::install()
{
    if (installed_)
        return;
    installed_ = true;
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
