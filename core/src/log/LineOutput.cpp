#include "log/LineOutput.h"
#include <cerrno>
#include <map>
#include <unistd.h>

namespace portico {

std::shared_ptr<LineOutput> LineOutput::of(int fd)
{
    // Weak entries: an output lives as long as its users, and a descriptor number reused after
    // a close (tests' pipes) gets a fresh one.
    static std::mutex mutex;
    static std::map<int, std::weak_ptr<LineOutput>> outputs;
    std::lock_guard<std::mutex> lock(mutex);
    std::weak_ptr<LineOutput>& entry = outputs[fd];
    std::shared_ptr<LineOutput> output = entry.lock();
    if (!output)
    {
        output = std::make_shared<LineOutput>(fd);
        entry = output;
    }
    return output;
}

bool LineOutput::write(std::string_view text)
{
    std::lock_guard<std::mutex> lock(mutex_);
    while (!text.empty())
    {
        const ssize_t written = ::write(fd_, text.data(), text.size());
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return false;
        text.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
}

} // namespace portico
