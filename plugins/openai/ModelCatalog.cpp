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
    if (id == EchoModel::id)
        return LocalKind::Text;
    if (id == HashingEmbedder::id)
        return LocalKind::Embeddings;
    return std::nullopt;
}

std::vector<ModelEntry> ModelCatalog::list()
{
    std::vector<ModelEntry> entries;
    for (const char* id : {EchoModel::id, HashingEmbedder::id})
        if (local(id))
            entries.push_back({id, localModelsCreated, localOwner});
    for (auto& model : upstreams_.models())
    {
        bool seen = false;
        for (const auto& entry : entries)
            seen = seen || entry.id == model.id;
        if (!seen)
            entries.push_back({std::move(model.id), startedAt_, std::move(model.ownedBy)});
    }
    return entries;
}

std::optional<ModelEntry> ModelCatalog::find(const std::string& id)
{
    if (local(id))
        return ModelEntry{id, localModelsCreated, localOwner};
    if (auto model = upstreams_.find(id))
        return ModelEntry{model->id, startedAt_, model->ownedBy};
    return std::nullopt;
}

} // namespace portico::openai
