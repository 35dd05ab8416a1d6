#pragma once
// A pipe whose write end a log writer is pointed at (LogPipeline, AccessLog), and a thread that
// reads everything written to it. It can start without reading, to play a stderr that nobody
// reads: with its capacity shrunk to one page, a writer then blocks after a few lines.

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <fcntl.h>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>

namespace portico::test {

class PipeCapture
{
public:
    /// `reading`: start reading at once (else: startReading()). `smallest`: shrink the pipe to
    /// one page, so that a writer nobody reads blocks soon.
    explicit PipeCapture(bool reading = true, bool smallest = false)
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe2 failed");
        readFd_ = fds[0];
        writeFd_ = fds[1];
        if (smallest)
            ::fcntl(writeFd_, F_SETPIPE_SZ, 4096);
        if (reading)
            startReading();
    }

    ~PipeCapture()
    {
        finish();
        ::close(readFd_);
    }

    PipeCapture(const PipeCapture&) = delete;
    PipeCapture& operator=(const PipeCapture&) = delete;

    /// The end to give the writer (owned here).
    int fd() const { return writeFd_; }

    void startReading()
    {
        if (!reader_.joinable() && !finished_)
            reader_ = std::thread([this] { read(); });
    }

    /// Everything read so far.
    std::string text() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return text_;
    }

    /// Waits until what was read contains `needle`.
    bool waitFor(const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        std::unique_lock<std::mutex> lock(mutex_);
        return grown_.wait_for(lock, timeout, [&] { return text_.find(needle) != std::string::npos; });
    }

    /// Closes the write end and waits for the reader to see the end: then text() is complete.
    /// Nobody may write to fd() any more (its number may be reused).
    std::string finish()
    {
        if (!finished_)
        {
            startReading(); // a writer blocked on the pipe may need it drained
            closeWriteEnd();
            reader_.join();
            finished_ = true;
        }
        return text_;
    }

private:
    void read()
    {
        char buffer[65536];
        for (;;)
        {
            const ssize_t got = ::read(readFd_, buffer, sizeof buffer);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                return;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                text_.append(buffer, static_cast<std::size_t>(got));
            }
            grown_.notify_all();
        }
    }

    void closeWriteEnd()
    {
        if (writeFd_ >= 0)
            ::close(writeFd_);
        writeFd_ = -1;
    }

    int readFd_ = -1;
    int writeFd_ = -1;
    bool finished_ = false;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::condition_variable grown_;
    std::string text_;
};

} // namespace portico::test
