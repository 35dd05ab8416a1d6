#pragma once
// The soak's request mix: what a busy gateway sees in a day, in small portions. Each kind is
// one request (or one stream) with the status it must get; a worker picks kinds at random by
// weight, on its own keep-alive connection, at a paced rate.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace portico::test {

/// What the plugins in the chain make possible (kinds needing a missing plugin are left out).
struct SoakFeatures
{
    bool openai = false;
    bool auth = false;
    bool idempotency = false;
    bool metrics = false;
    std::string apiKey; ///< sent as Bearer when auth is on
};

/// Counts across workers.
struct SoakTally
{
    std::mutex mutex;
    std::map<std::string, std::map<int, std::uint64_t>> statuses; ///< kind -> status -> count
    std::uint64_t requests = 0;
    std::uint64_t serverErrors = 0;   ///< 5xx
    std::uint64_t unexpected = 0;     ///< a status other than the kind expects
    std::uint64_t transportErrors = 0; ///< failures to connect / send / read (not on purpose)
    std::vector<std::string> firstProblems; ///< the first few, for the report

    void record(const std::string& kind, int status, bool expected, const std::string& detail);
    void transportError(const std::string& kind, const std::string& detail);
};

/// One load worker: runs the mix against 127.0.0.1:`port` until `stop`, at most
/// `requestsPerSecond` requests a second, and records into `tally`.
void runSoakWorker(unsigned short port, const SoakFeatures& features, unsigned seed, double requestsPerSecond,
                   const std::atomic<bool>& stop, SoakTally& tally);

} // namespace portico::test
