#include "OpenAiMetrics.h"
#include <algorithm>
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace portico::openai {

namespace {

/// Models whose counters are remembered (the family itself holds every model's series).
constexpr std::size_t maxCachedModels = 1024;

const prometheus::Histogram::BucketBoundaries& firstTokenBuckets()
{
    static const prometheus::Histogram::BucketBoundaries buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                 0.5,   1,    2.5,   5,    10,  30};
    return buckets;
}

} // namespace

OpenAiMetrics::OpenAiMetrics(prometheus::Registry& registry)
    : tokens_(prometheus::BuildCounter()
                  .Name("portico_tokens_total")
                  .Help("Tokens used by answered requests, by model and kind (input or output).")
                  .Register(registry)),
      firstToken_(prometheus::BuildHistogram()
                      .Name("portico_stream_time_to_first_token_seconds")
                      .Help("Time from a streamed request's arrival to its first generated token.")
                      .Register(registry))
{
}

void OpenAiMetrics::setKnownModels(const std::vector<std::string>& names)
{
    for (const std::string& name : names)
    {
        if (!name.empty() && name.back() == '*')
            patterns_.emplace_back(name.substr(0, name.size() - 1), name);
        else
            known_.insert(name);
    }
    std::sort(patterns_.begin(), patterns_.end(),
              [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

const std::string& OpenAiMetrics::labelFor(const std::string& model) const
{
    static const std::string other = OtherModel;
    if (known_.count(model))
        return model;
    for (const auto& [prefix, label] : patterns_)
        if (model.compare(0, prefix.size(), prefix) == 0)
            return label;
    return other;
}

void OpenAiMetrics::countTokens(const std::string& requested, std::uint64_t input, std::uint64_t output)
{
    const std::string& model = labelFor(requested);
    TokenSeries series{};
    {
        std::lock_guard<std::mutex> lock(seriesMutex_);
        if (const auto found = tokenSeries_.find(model); found != tokenSeries_.end())
            series = found->second;
    }
    if (!series.input)
    {
        // Both series are created together (even at zero) so that a model's pair appears together.
        series.input = &tokens_.Add({{"model", model}, {"kind", "input"}});
        series.output = &tokens_.Add({{"model", model}, {"kind", "output"}});
        std::lock_guard<std::mutex> lock(seriesMutex_);
        if (tokenSeries_.size() < maxCachedModels)
            tokenSeries_.emplace(model, series);
    }
    series.input->Increment(static_cast<double>(input));
    series.output->Increment(static_cast<double>(output));
}

void OpenAiMetrics::observeTimeToFirstToken(const std::string& model, double seconds)
{
    firstToken_.Add({{"model", labelFor(model)}}, firstTokenBuckets()).Observe(seconds);
}

} // namespace portico::openai
