#include "ModelCatalog.h"
#include "EchoModel.h"
#include "HashingEmbedder.h"
#include "Ids.h"

namespace portico::openai {

namespace {

constexpr const char* localOwner = "portico";

} // namespace

ModelCatalog::ModelCatalog(bool localEnabled, UpstreamRouting& upstreams)
    : localEnabled_(localEnabled), upstreams_(upstreams), startedAt_(unixNow())
{
}

std::optional<LocalKind> ModelCatalog::local(const std::string& id) const
{
    if (!localEnabled_ || upstreams_.routes(id))
        return std::nullopt;
    return localKind(id);
}

std::optional<LocalKind> ModelCatalog::localKind(const std::string& id)
{
    if (id == EchoModel::id)
        return LocalKind::Text;
    if (id == HashingEmbedder::id)
        return LocalKind::Embeddings;
    return std::nullopt;
}

std::vector<ModelEntry> ModelCatalog::entries(std::vector<UpstreamModel> models) const
{
    std::vector<ModelEntry> entries;
    for (const char* id : {EchoModel::id, HashingEmbedder::id})
        if (local(id) && !upstreams_.inCatalog(id))
            entries.push_back({id, localModelsCreated, localOwner});
    for (auto& name : upstreams_.catalogNames())
    {
        bool seen = false;
        for (const auto& entry : entries)
            seen = seen || entry.id == name;
        if (!seen)
            entries.push_back({std::move(name), startedAt_, localOwner});
    }
    for (auto& model : models)
    {
        bool seen = false;
        for (const auto& entry : entries)
            seen = seen || entry.id == model.id;
        if (!seen)
            entries.push_back({std::move(model.id), startedAt_, std::move(model.ownedBy)});
    }
    return entries;
}

void ModelCatalog::list(Exchange& exchange, ListAnswer answer)
{
    upstreams_.models(exchange, [this, answer = std::move(answer)](Exchange& done, std::vector<UpstreamModel> models) {
        answer(done, entries(std::move(models)));
    });
}

std::optional<std::vector<ModelEntry>> ModelCatalog::staticList() const
{
    auto models = upstreams_.staticModels();
    if (!models)
        return std::nullopt;
    return entries(std::move(*models));
}

void ModelCatalog::find(Exchange& exchange, const std::string& id, FindAnswer answer)
{
    if (upstreams_.inCatalog(id))
        return answer(exchange, ModelEntry{id, startedAt_, localOwner});
    if (local(id))
        return answer(exchange, ModelEntry{id, localModelsCreated, localOwner});
    upstreams_.find(exchange, id, [this, answer = std::move(answer)](Exchange& done, std::optional<UpstreamModel> model) {
        if (!model)
            return answer(done, std::nullopt);
        answer(done, ModelEntry{std::move(model->id), startedAt_, std::move(model->ownedBy)});
    });
}

} // namespace portico::openai
