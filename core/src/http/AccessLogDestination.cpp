#include "http/AccessLogDestination.h"
#include "log/LineOutput.h"
#include "portico/Errors.h"
#include "Poco/AutoPtr.h"
#include "Poco/Exception.h"
#include "Poco/FileChannel.h"
#include "Poco/Message.h"
#include <cerrno>
#include <cstring>

namespace portico {

namespace {

/// A batch is at most this many bytes (or one longer line): large enough that a busy log costs
/// few system calls, small enough to stay in cache.
constexpr std::size_t BatchBytes = 64 * 1024;

class StreamDestination : public AccessLogDestination
{
public:
    explicit StreamDestination(int fd) : output_(LineOutput::of(fd)) {}

    Result write(const std::vector<std::string>& lines) override
    {
        Result result;
        std::string batch;
        std::size_t inBatch = 0;
        auto flush = [&] {
            if (inBatch > 0 && !output_->write(batch))
            {
                result.lost += inBatch;
                result.error = std::strerror(errno);
            }
            batch.clear();
            inBatch = 0;
        };
        batch.reserve(BatchBytes);
        for (const auto& line : lines)
        {
            if (inBatch > 0 && batch.size() + line.size() + 1 > BatchBytes)
                flush();
            batch += line;
            batch += '\n';
            ++inBatch;
        }
        flush();
        return result;
    }

private:
    const std::shared_ptr<LineOutput> output_;
};

class FileDestination : public AccessLogDestination
{
public:
    explicit FileDestination(Poco::AutoPtr<Poco::FileChannel> channel) : channel_(std::move(channel)) {}

    Result write(const std::vector<std::string>& lines) override
    {
        // One message per line: the channel checks rotation before each, so a file never grows
        // past access_rotation by more than a line.
        Result result;
        for (const auto& line : lines)
        {
            try
            {
                channel_->log(Poco::Message("portico.access", line, Poco::Message::PRIO_INFORMATION));
            }
            catch (const Poco::Exception& e)
            {
                ++result.lost;
                result.error = e.displayText();
            }
            catch (const std::exception& e)
            {
                ++result.lost;
                result.error = e.what();
            }
        }
        return result;
    }

private:
    // Closed by FileChannel's destructor, when the last batch that uses it is written.
    Poco::AutoPtr<Poco::FileChannel> channel_;
};

} // namespace

AccessLogDestination::~AccessLogDestination() = default;

std::shared_ptr<AccessLogDestination> AccessLogDestination::stream(int fd)
{
    return std::make_shared<StreamDestination>(fd);
}

std::shared_ptr<AccessLogDestination> AccessLogDestination::file(const AccessLogSettings& settings)
{
    Poco::AutoPtr<Poco::FileChannel> file(new Poco::FileChannel);
    try
    {
        file->setProperty(Poco::FileChannel::PROP_PATH, settings.file);
        file->setProperty(Poco::FileChannel::PROP_ROTATION, settings.rotation);
        file->setProperty(Poco::FileChannel::PROP_ARCHIVE, settings.archive);
        file->setProperty(Poco::FileChannel::PROP_TIMES, "utc");
        file->setProperty(Poco::FileChannel::PROP_COMPRESS, settings.compress ? "true" : "false");
        file->setProperty(Poco::FileChannel::PROP_FLUSH, settings.flush ? "true" : "false");
        if (settings.purgeCount > 0)
            file->setProperty(Poco::FileChannel::PROP_PURGECOUNT, std::to_string(settings.purgeCount));
        file->open();
    }
    catch (const Poco::Exception& e)
    {
        throw ConfigError(settings.source + ": [log] access_file: cannot open " + settings.file + ": " +
                          e.displayText());
    }
    return std::make_shared<FileDestination>(file);
}

} // namespace portico
