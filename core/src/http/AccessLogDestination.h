#pragma once
// Where the access log's writer thread puts its lines: a file descriptor (stderr) or a file
// rotated by Poco::FileChannel. log.access = off has no destination at all.

#include "config/ServerSettings.h"
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace portico {

class AccessLogDestination
{
public:
    /// What a write lost, and why (the last error).
    struct Result
    {
        std::size_t lost = 0;
        std::string error;
    };

    virtual ~AccessLogDestination();

    /// Writes `lines` (no newlines; each becomes one line) in order. Called from the writer
    /// thread only.
    virtual Result write(const std::vector<std::string>& lines) = 0;

    /// The descriptor `fd` (not owned). Lines go out in batches of whole lines, one write(2)
    /// per batch.
    static std::shared_ptr<AccessLogDestination> stream(int fd);

    /// The file log.access_file, with its rotation settings, opened now so that a bad path is
    /// a configuration error rather than lost lines later. Throws ConfigError naming
    /// log.access_file.
    static std::shared_ptr<AccessLogDestination> file(const AccessLogSettings& settings);
};

} // namespace portico
