#pragma once
// A file descriptor that several writers of the process share (porticod's own log and the
// access log both write stderr), with one lock per descriptor so that a line, or a batch of
// lines, is never cut by another writer's output. A pipe only keeps writes of up to PIPE_BUF
// (4 KiB) whole, a stream socket (journald's stderr) promises nothing; the lock keeps longer
// writes whole too, at least among porticod's own threads.

#include <memory>
#include <mutex>
#include <string_view>

namespace portico {

class LineOutput
{
public:
    /// The output for `fd` (not owned), shared by everyone who asks for the same descriptor
    /// while one of them holds it.
    static std::shared_ptr<LineOutput> of(int fd);

    explicit LineOutput(int fd) : fd_(fd) {}
    LineOutput(const LineOutput&) = delete;
    LineOutput& operator=(const LineOutput&) = delete;

    /// Writes all of `text` (whole lines, each with its '\n') with no other writer of this
    /// output in between, across short writes and EINTR. Blocks while the descriptor is full.
    /// False when the descriptor fails (closed pipe, bad fd, full disk; errno says which): the
    /// rest is lost.
    bool write(std::string_view text);

    int fd() const { return fd_; }

private:
    const int fd_;
    std::mutex mutex_;
};

} // namespace portico
