#pragma once
/// The openai plugin's Prometheus metrics, registered in the process-wide registry (so they
/// exist whether or not the metrics plugin serves /metrics, and survive reloads):
///   portico_tokens_total{model,kind="input"|"output"}          counter
///   portico_stream_time_to_first_token_seconds{model}           histogram
/// The upstream proxy registers its own (portico_upstream_request_duration_seconds).

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Histogram;
} // namespace prometheus

namespace portico::openai {

class OpenAiMetrics
{
public:
    explicit OpenAiMetrics(prometheus::Registry& registry);

    /// Adds a request's usage. Thread-safe.
    void countTokens(const std::string& model, std::uint64_t input, std::uint64_t output);
    /// Records the time from the request's arrival to its stream's first token. Thread-safe.
    void observeTimeToFirstToken(const std::string& model, double seconds);

private:
    struct TokenSeries
    {
        prometheus::Counter* input;
        prometheus::Counter* output;
    };

    prometheus::Family<prometheus::Counter>& tokens_;
    prometheus::Family<prometheus::Histogram>& firstToken_;
    /// The counters of each model seen, so that a request does not build two label maps and
    /// search the family for them (Family::Add costs several µs). Bounded: past the cap, models
    /// go through Family::Add as before.
    std::mutex seriesMutex_;
    std::unordered_map<std::string, TokenSeries> tokenSeries_;
};

} // namespace portico::openai
