#pragma once
/// The openai plugin's Prometheus metrics, registered in the process-wide registry (so they
/// exist whether or not the metrics plugin serves /metrics, and survive reloads):
///   portico_tokens_total{model,kind="input"|"output"}          counter
///   portico_stream_time_to_first_token_seconds{model}           histogram
/// The upstream proxy registers its own (portico_upstream_request_duration_seconds).
///
/// The `model` label takes only names the configuration knows (setKnownModels: the local
/// models, the catalog's public names, the models an upstream lists in its `models`); any other
/// name (one a client made up, one a "*" upstream serves without the config naming it) counts
/// as "other". What a client sends never becomes a label value, so the series stay bounded.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

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

    /// The label value for models not in the configuration.
    static constexpr const char* OtherModel = "other";
    /// The names that are their own label value; a name ending in '*' (a catalog pattern such
    /// as "openai/*") is the label of every model it matches. Call once, before requests run.
    void setKnownModels(const std::vector<std::string>& names);
    /// `model` when the configuration knows it, the pattern that matches it, else OtherModel.
    const std::string& labelFor(const std::string& model) const;

    /// Adds a request's usage, under labelFor(model). Thread-safe.
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
    std::unordered_set<std::string> known_;
    /// Patterns without their '*', longest first, with the label (the pattern itself).
    std::vector<std::pair<std::string, std::string>> patterns_;
    std::mutex seriesMutex_;
    std::unordered_map<std::string, TokenSeries> tokenSeries_;
};

} // namespace portico::openai
