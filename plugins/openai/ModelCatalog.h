#pragma once
/// Which models this gateway serves and where: the local models (portico-echo for text,
/// portico-embed for embeddings) unless local.enabled is false or an upstream takes their
/// names, and the upstreams' models.

#include "UpstreamRouting.h"
#include "portico/Exchange.h"
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace portico::openai {

/// What a local model can do.
enum class LocalKind
{
    Text,      ///< responses and chat completions
    Embeddings ///< embeddings
};

/// A model as GET /v1/models shows it.
struct ModelEntry
{
    std::string id;
    std::int64_t created = 0;
    std::string ownedBy;
};

class ModelCatalog
{
public:
    /// `created` of the local models: a fixed date, so that answers do not change per process.
    static constexpr std::int64_t localModelsCreated = 1735689600; // 2025-01-01T00:00:00Z

    ModelCatalog(bool localEnabled, UpstreamRouting& upstreams);

    /// The local model `id` and what it does, when it is served locally (not shadowed by an
    /// upstream).
    std::optional<LocalKind> local(const std::string& id) const;
    /// What the local model `id` does, if it is one (served or not).
    static std::optional<LocalKind> localKind(const std::string& id);
    /// True when an upstream serves `id`.
    bool upstream(const std::string& id) const { return upstreams_.routes(id); }

    using ListAnswer = std::function<void(Exchange&, std::vector<ModelEntry>)>;
    using FindAnswer = std::function<void(Exchange&, std::optional<ModelEntry>)>;
    /// Calls `answer` with every model: local first, then the catalog's public names (routing/),
    /// then the upstreams', each id once. At
    /// once when the upstreams' lists are known; otherwise the exchange's answer is deferred
    /// until they are in (UpstreamRouting::models).
    void list(Exchange& exchange, ListAnswer answer);
    /// What list() gives, when that cannot change while the plugin lives (the local models, the
    /// catalog's names and the upstreams' configured names; no "*" upstream's fetched list).
    std::optional<std::vector<ModelEntry>> staticList() const;
    /// Calls `answer` with model `id`, if it is served here at all (at once or deferred, as list).
    void find(Exchange& exchange, const std::string& id, FindAnswer answer);

private:
    /// Every model, given the upstreams' (list()'s order, each id once).
    std::vector<ModelEntry> entries(std::vector<UpstreamModel> models) const;

    bool localEnabled_;
    UpstreamRouting& upstreams_;
    /// When the plugin was created: the `created` of upstream models, whose own dates the
    /// proxy does not pass on.
    std::int64_t startedAt_;
};

} // namespace portico::openai
