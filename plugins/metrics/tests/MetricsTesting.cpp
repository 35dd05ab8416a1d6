#include "MetricsTesting.h"
#include "TempDir.h"
#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <chrono>
#include <thread>

namespace portico::metrics::test {

bool promtoolAccepts(const std::string& exposition, std::string& output, bool& missing)
{
    missing = std::system("command -v promtool >/dev/null 2>&1") != 0;
    if (missing)
        return true;
    portico::test::TempDir dir;
    const std::string input = dir.write("metrics.txt", exposition);
    const std::string command = "promtool check metrics < '" + input + "' 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe)
    {
        output = "cannot run promtool";
        return false;
    }
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
        output.append(buffer, got);
    const int status = pclose(pipe);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && output.empty();
}

double awaitSample(const std::function<std::string()>& scrape, const std::string& series, double expected)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    double value = sampleValue(scrape(), series);
    while (value != expected && std::chrono::steady_clock::now() < deadline)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        value = sampleValue(scrape(), series);
    }
    return value;
}

double sampleValue(const std::string& exposition, const std::string& series)
{
    std::size_t start = 0;
    while (start < exposition.size())
    {
        auto end = exposition.find('\n', start);
        if (end == std::string::npos)
            end = exposition.size();
        if (end - start > series.size() && exposition.compare(start, series.size(), series) == 0 &&
            exposition[start + series.size()] == ' ')
            return std::strtod(exposition.c_str() + start + series.size() + 1, nullptr);
        start = end + 1;
    }
    return -1;
}

} // namespace portico::metrics::test
