#pragma once
/// The load generator's command line: `portico_loadgen rate|streams --name=value ...`, parsed
/// into one options struct per mode. Bad or unknown options throw std::invalid_argument with a
/// message naming the option.

#include <string>
#include <vector>

namespace portico::loadgen {

/// What every request of a run is: one method, URL (http://host:port/path only), headers, body.
struct RequestSpec
{
    std::string method = "GET";
    std::string host;
    unsigned short port = 0;
    std::string path;
    std::vector<std::string> headers;
    std::string body;

    /// The request's bytes on the wire (HTTP/1.1, keep-alive, Content-Length when there is a body).
    std::string wire() const;
};

/// `rate`: an open-loop fixed request rate over keep-alive connections.
struct RateOptions
{
    RequestSpec request;
    double rate = 1000;           ///< --rate: requests per second over all connections
    int connections = 32;         ///< --connections
    double durationSeconds = 10;  ///< --duration
    double timeoutSeconds = 5;    ///< --timeout: one answer's time limit
};

/// `streams`: N concurrent streaming requests held open.
struct StreamsOptions
{
    RequestSpec request;
    int streams = 100;               ///< --streams
    double holdSeconds = 10;         ///< --hold: how long all streams must stay open
    double connectRate = 1000;       ///< --connect-rate: new connections per second (0: all at once)
    double establishTimeoutSeconds = 30; ///< --establish-timeout: to open all and see their first events
    double idleTimeoutSeconds = 30;  ///< --idle-timeout: a stream silent this long is an error
    double drainTimeoutSeconds = 120; ///< --drain-timeout: after the hold, to see every stream end
};

/// The usage text (also printed on a bad command line).
const char* usage();

/// argv after the mode word: "--name=value" items. Throws std::invalid_argument.
RateOptions parseRateOptions(const std::vector<std::string>& arguments);
StreamsOptions parseStreamsOptions(const std::vector<std::string>& arguments);

} // namespace portico::loadgen
