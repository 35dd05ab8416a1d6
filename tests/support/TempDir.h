#pragma once
// A temporary directory removed with everything in it when the object goes away.

#include <string>

namespace portico::test {

class TempDir
{
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    /// Writes `content` to <dir>/<name> and returns the full path.
    std::string write(const std::string& name, const std::string& content) const;
    /// <dir>/<name>, without creating anything.
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

/// The whole content of a file ("" when it cannot be read).
std::string readFile(const std::string& path);

} // namespace portico::test
