// portico_loadgen: the bench's load generator (tests/bench/README.md). Three modes:
//   rate    — open-loop requests at a fixed rate; latency percentiles from the scheduled times
//   streams — N concurrent streaming (SSE) requests held open; how many held, completed, failed,
//             and whether their bodies (volatile ids normalised) are the same
//   hold    — idle keep-alive and slowloris connections held open while fresh requests are timed
// Prints one machine-readable result line (mode word, then name=value pairs) on stdout.
// Exit: 0 run done (whatever the server answered: the caller judges the counts), 2 usage,
// 1 the run could not be made.

#include "FileLimit.h"
#include "HoldRun.h"
#include "Options.h"
#include "RateRun.h"
#include "StreamsRun.h"
#include "Poco/Exception.h"
#include <csignal>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace portico::loadgen;

int main(int argc, char** argv)
{
    // A server that closes while we write must be an error we count, not our death.
    std::signal(SIGPIPE, SIG_IGN);
    const std::string mode = argc > 1 ? argv[1] : "";
    const std::vector<std::string> arguments(argv + (argc > 1 ? 2 : 1), argv + argc);
    try
    {
        if (mode == "rate")
        {
            const RateOptions options = parseRateOptions(arguments);
            raiseFileLimit(options.connections + 64L);
            RateResult result = runRate(options);
            std::cout << formatRateResult(options, result) << std::endl;
            return 0;
        }
        if (mode == "streams")
        {
            const StreamsOptions options = parseStreamsOptions(arguments);
            const long wanted = options.streams + 64L;
            const long limit = raiseFileLimit(wanted);
            if (limit < wanted)
                throw std::runtime_error("--streams=" + std::to_string(options.streams) + " needs " +
                                         std::to_string(wanted) + " file descriptors; the hard limit allows " +
                                         std::to_string(limit) + " (raise it: ulimit -Hn)");
            StreamsResult result = runStreams(options);
            if (!result.firstError.empty())
                std::cerr << "streams: first error: " << result.firstError << std::endl;
            if (!result.firstErrorBeforeFirstEvent.empty() && result.firstErrorBeforeFirstEvent != result.firstError)
                std::cerr << "streams: first error before a first event: " << result.firstErrorBeforeFirstEvent
                          << std::endl;
            std::cout << formatStreamsResult(result) << std::endl;
            return 0;
        }
        if (mode == "hold")
        {
            const HoldOptions options = parseHoldOptions(arguments);
            // Every idle and slow connection at once, the fresh ones, a slow reconnect or two.
            const long wanted = options.idle + options.slow + options.fresh + 64L;
            const long limit = raiseFileLimit(wanted);
            if (limit < wanted)
                throw std::runtime_error("hold needs " + std::to_string(wanted) +
                                         " file descriptors; the hard limit allows " + std::to_string(limit) +
                                         " (raise it: ulimit -Hn)");
            HoldResult result = runHold(options);
            if (!result.firstIdleError.empty())
                std::cerr << "hold: first idle failure: " << result.firstIdleError << std::endl;
            if (!result.firstFreshError.empty())
                std::cerr << "hold: first fresh failure: " << result.firstFreshError << std::endl;
            if (!result.firstSlowOther.empty())
                std::cerr << "hold: first slow close without a 408: " << result.firstSlowOther << std::endl;
            std::cout << formatHoldResult(result) << std::endl;
            return 0;
        }
        std::cerr << (mode.empty() ? "a mode is needed" : "unknown mode '" + mode + "'") << "\n" << usage();
        return 2;
    }
    catch (const std::invalid_argument& error)
    {
        std::cerr << "portico_loadgen: " << error.what() << "\n" << usage();
        return 2;
    }
    catch (const Poco::Exception& error)
    {
        std::cerr << "portico_loadgen: " << error.displayText() << std::endl;
        return 1;
    }
    catch (const std::exception& error)
    {
        std::cerr << "portico_loadgen: " << error.what() << std::endl;
        return 1;
    }
}
