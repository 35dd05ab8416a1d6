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
    std::string expectDigest;        ///< --expect-digest: the normalised body digest every stream must have (BodyDigest)
    std::string sampleBodyFile;      ///< --sample-body: write one completed stream's normalised body here
};

/// `hold`: idle keep-alive and slowloris connections held open while fresh requests are timed.
struct HoldOptions
{
    RequestSpec request;             ///< --url: what the idle and fresh connections ask (GET); 127.0.0.1 only
    int idle = 100;                  ///< --idle: keep-alive connections, one answered request each, then idle
    int slow = 10;                   ///< --slow: slowloris connections (a head line per --slow-interval, never ended)
    int fresh = 20;                  ///< --fresh: requests on new connections once all are held
    double connectRate = 2000;       ///< --connect-rate: new idle/slow connections per second (0: all at once)
    double slowIntervalSeconds = 1;  ///< --slow-interval: seconds between two header lines of a slow head
    int freshBatch = 20;             ///< --fresh-batch: fresh requests started together ...
    double freshIntervalSeconds = 1; ///< --fresh-interval: ... every this many seconds
    double freshTimeoutSeconds = 60; ///< --fresh-timeout: a fresh request unanswered this long failed
    double establishTimeoutSeconds = 60; ///< --establish-timeout: for every idle answer and slow connect
    double holdSeconds = 15;         ///< --hold: the least time from the first fresh request to the end
};

/// The usage text (also printed on a bad command line).
const char* usage();

/// argv after the mode word: "--name=value" items. Throws std::invalid_argument.
RateOptions parseRateOptions(const std::vector<std::string>& arguments);
StreamsOptions parseStreamsOptions(const std::vector<std::string>& arguments);
HoldOptions parseHoldOptions(const std::vector<std::string>& arguments);

} // namespace portico::loadgen
