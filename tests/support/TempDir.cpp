#include "TempDir.h"
#include "Poco/File.h"
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace portico::test {

TempDir::TempDir()
{
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/portico-test-XXXXXX";
    if (!mkdtemp(pattern.data()))
        throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
}

TempDir::~TempDir()
{
    try
    {
        Poco::File(path_).remove(true);
    }
    catch (...)
    {
    }
}

std::string TempDir::write(const std::string& name, const std::string& content) const
{
    const std::string full = file(name);
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out)
        throw std::runtime_error("cannot write " + full);
    return full;
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace portico::test
