#include "Options.h"
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace portico::loadgen {

namespace {

// The --name=value items of a command line, each read at most once; leftovers are errors.
class Arguments
{
public:
    explicit Arguments(const std::vector<std::string>& items)
    {
        for (const auto& item : items)
        {
            const std::size_t equals = item.find('=');
            if (item.rfind("--", 0) != 0 || equals == std::string::npos || equals == 2)
                throw std::invalid_argument("expected --name=value, got '" + item + "'");
            const std::string name = item.substr(2, equals - 2);
            if (name == "header")
                headers_.push_back(item.substr(equals + 1));
            else if (!values_.emplace(name, item.substr(equals + 1)).second)
                throw std::invalid_argument("--" + name + " given twice");
        }
    }

    std::string text(const std::string& name, const std::string& fallback)
    {
        const auto found = values_.find(name);
        if (found == values_.end())
            return fallback;
        std::string value = found->second;
        values_.erase(found);
        return value;
    }

    double number(const std::string& name, double fallback, double low, double high)
    {
        const std::string value = text(name, "");
        if (value.empty())
            return fallback;
        char* end = nullptr;
        const double parsed = std::strtod(value.c_str(), &end);
        if (end != value.c_str() + value.size() || !(parsed >= low && parsed <= high))
        {
            std::ostringstream why;
            why << "--" << name << "=" << value << ": expected a number from " << low << " to " << high;
            throw std::invalid_argument(why.str());
        }
        return parsed;
    }

    std::vector<std::string> headers() const { return headers_; }

    void finish() const
    {
        if (!values_.empty())
            throw std::invalid_argument("unknown option --" + values_.begin()->first);
    }

private:
    std::map<std::string, std::string> values_;
    std::vector<std::string> headers_;
};

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::invalid_argument("--body-file=" + path + ": cannot be read");
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

RequestSpec parseRequest(Arguments& arguments, const std::string& defaultMethod)
{
    RequestSpec spec;
    const std::string url = arguments.text("url", "");
    const std::string scheme = "http://";
    if (url.rfind(scheme, 0) != 0)
        throw std::invalid_argument("--url must be given as http://host:port/path");
    const std::size_t pathAt = url.find('/', scheme.size());
    const std::string authority = url.substr(scheme.size(), pathAt - scheme.size());
    spec.path = pathAt == std::string::npos ? "/" : url.substr(pathAt);
    const std::size_t colon = authority.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw std::invalid_argument("--url needs a host and a port: " + url);
    spec.host = authority.substr(0, colon);
    const int port = std::atoi(authority.c_str() + colon + 1);
    if (port < 1 || port > 65535)
        throw std::invalid_argument("--url has a bad port: " + url);
    spec.port = static_cast<unsigned short>(port);
    spec.method = arguments.text("method", defaultMethod);
    const std::string bodyFile = arguments.text("body-file", "");
    spec.body = bodyFile.empty() ? arguments.text("body", "") : readFile(bodyFile);
    spec.headers = arguments.headers();
    for (const auto& header : spec.headers)
        if (header.find(':') == std::string::npos || header.find_first_of("\r\n") != std::string::npos)
            throw std::invalid_argument("--header=" + header + ": expected 'Name: value'");
    return spec;
}

} // namespace

std::string RequestSpec::wire() const
{
    std::string out = method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
                      "\r\nUser-Agent: portico_loadgen\r\n";
    for (const auto& header : headers)
        out += header + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT")
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += "\r\n";
    out += body;
    return out;
}

const char* usage()
{
    return "usage: portico_loadgen rate --url=http://HOST:PORT/PATH [--rate=1000] [--connections=32]\n"
           "                            [--duration=10] [--timeout=5] [REQUEST OPTIONS]\n"
           "       portico_loadgen streams --url=http://HOST:PORT/PATH --streams=N [--hold=10]\n"
           "                            [--connect-rate=1000] [--establish-timeout=30]\n"
           "                            [--idle-timeout=30] [--drain-timeout=120]\n"
           "                            [--expect-digest=HEX] [--sample-body=FILE] [REQUEST OPTIONS]\n"
           "       portico_loadgen hold --url=http://127.0.0.1:PORT/healthz --idle=N --slow=M --fresh=P\n"
           "                            [--connect-rate=2000] [--slow-interval=1] [--fresh-batch=20]\n"
           "                            [--fresh-interval=1] [--fresh-timeout=60] [--establish-timeout=60]\n"
           "                            [--hold=15] [--header='Name: value']\n"
           "REQUEST OPTIONS: --method=GET|POST (rate: GET, streams: POST) --body=TEXT | --body-file=PATH\n"
           "                 --header='Name: value' (repeatable)\n"
           "Prints one line of name=value pairs on stdout (see tests/bench/README.md); progress on stderr.\n";
}

RateOptions parseRateOptions(const std::vector<std::string>& items)
{
    Arguments arguments(items);
    RateOptions options;
    options.request = parseRequest(arguments, "GET");
    options.rate = arguments.number("rate", options.rate, 1, 1e6);
    options.connections = static_cast<int>(arguments.number("connections", options.connections, 1, 10000));
    options.durationSeconds = arguments.number("duration", options.durationSeconds, 0.1, 3600);
    options.timeoutSeconds = arguments.number("timeout", options.timeoutSeconds, 0.01, 600);
    arguments.finish();
    return options;
}

StreamsOptions parseStreamsOptions(const std::vector<std::string>& items)
{
    Arguments arguments(items);
    StreamsOptions options;
    options.request = parseRequest(arguments, "POST");
    options.streams = static_cast<int>(arguments.number("streams", options.streams, 1, 100000));
    options.holdSeconds = arguments.number("hold", options.holdSeconds, 0, 3600);
    options.connectRate = arguments.number("connect-rate", options.connectRate, 0, 1e6);
    options.establishTimeoutSeconds = arguments.number("establish-timeout", options.establishTimeoutSeconds, 0.1, 3600);
    options.idleTimeoutSeconds = arguments.number("idle-timeout", options.idleTimeoutSeconds, 0.1, 3600);
    options.drainTimeoutSeconds = arguments.number("drain-timeout", options.drainTimeoutSeconds, 0, 3600);
    options.expectDigest = arguments.text("expect-digest", "");
    if (!options.expectDigest.empty() &&
        (options.expectDigest.size() != 16 || options.expectDigest.find_first_not_of("0123456789abcdef") != std::string::npos))
        throw std::invalid_argument("--expect-digest=" + options.expectDigest + ": expected 16 lower-case hex digits");
    options.sampleBodyFile = arguments.text("sample-body", "");
    arguments.finish();
    return options;
}

HoldOptions parseHoldOptions(const std::vector<std::string>& items)
{
    Arguments arguments(items);
    HoldOptions options;
    options.request = parseRequest(arguments, "GET");
    if (options.request.host != "127.0.0.1")
        throw std::invalid_argument("hold: --url must name 127.0.0.1 (got " + options.request.host + ")");
    if (!options.request.body.empty() || options.request.method != "GET")
        throw std::invalid_argument("hold: the requests are GETs without a body");
    options.idle = static_cast<int>(arguments.number("idle", options.idle, 0, 50000));
    options.slow = static_cast<int>(arguments.number("slow", options.slow, 0, 50000));
    options.fresh = static_cast<int>(arguments.number("fresh", options.fresh, 0, 100000));
    options.connectRate = arguments.number("connect-rate", options.connectRate, 0, 1e6);
    options.slowIntervalSeconds = arguments.number("slow-interval", options.slowIntervalSeconds, 0.01, 60);
    options.freshBatch = static_cast<int>(arguments.number("fresh-batch", options.freshBatch, 1, 10000));
    options.freshIntervalSeconds = arguments.number("fresh-interval", options.freshIntervalSeconds, 0, 60);
    options.freshTimeoutSeconds = arguments.number("fresh-timeout", options.freshTimeoutSeconds, 0.1, 600);
    options.establishTimeoutSeconds = arguments.number("establish-timeout", options.establishTimeoutSeconds, 0.1, 600);
    options.holdSeconds = arguments.number("hold", options.holdSeconds, 0, 3600);
    arguments.finish();
    return options;
}

} // namespace portico::loadgen
