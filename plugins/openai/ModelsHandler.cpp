#include "ModelsHandler.h"
#include "JsonWriter.h"
#include "RequestError.h"
#include "portico/Attributes.h"
#include "portico/ModelPatterns.h"
#include "Poco/Exception.h"
#include "Poco/URI.h"

namespace portico::openai {

namespace {

void writeModel(JsonWriter& w, const ModelEntry& model)
{
    w.beginObject()
        .field("id", model.id)
        .field("object", "model")
        .field("created", model.created)
        .field("owned_by", model.ownedBy)
        .endObject();
}

std::string decoded(const std::string& segment)
{
    std::string out;
    try
    {
        Poco::URI::decode(segment, out);
    }
    catch (const Poco::Exception&)
    {
        return segment; // a bad escape: look the id up as sent
    }
    return out;
}

} // namespace

namespace {

/// The models of `models` that `allowed` (attr::AllowedModels) admits.
std::vector<ModelEntry> allowedOf(const std::vector<ModelEntry>& models, const std::string& allowed)
{
    std::vector<ModelEntry> kept;
    for (const auto& model : models)
        if (anyModelPatternMatches(allowed, model.id))
            kept.push_back(model);
    return kept;
}

} // namespace

ModelsHandler::ModelsHandler(ModelCatalog& catalog)
    : catalog_(catalog), staticModels_(catalog.staticList()),
      staticListJson_(staticModels_ ? std::optional<std::string>(listJson(*staticModels_)) : std::nullopt)
{
}

std::string ModelsHandler::listJson(const std::vector<ModelEntry>& models)
{
    JsonWriter w;
    w.beginObject().field("object", "list").key("data").beginArray();
    for (const auto& model : models)
        writeModel(w, model);
    w.endArray().endObject();
    return w.take();
}

std::string ModelsHandler::modelJson(const ModelEntry& model)
{
    JsonWriter w;
    writeModel(w, model);
    return w.take();
}

void ModelsHandler::list(Exchange& exchange)
{
    if (const std::string* allowed = exchange.find(attr::AllowedModels))
    {
        if (staticModels_)
            return exchange.respond(200, listJson(allowedOf(*staticModels_, *allowed)));
        return catalog_.list(exchange, [allowed = *allowed](Exchange& done, std::vector<ModelEntry> models) {
            done.respond(200, listJson(allowedOf(models, allowed)));
        });
    }
    if (staticListJson_)
        return exchange.respond(200, *staticListJson_);
    catalog_.list(exchange,
                  [](Exchange& done, std::vector<ModelEntry> models) { done.respond(200, listJson(models)); });
}

void ModelsHandler::retrieve(Exchange& exchange)
{
    std::string id = exchange.pathParam("id");
    if (id.empty())
        id = exchange.pathParam("org") + "/" + exchange.pathParam("name");
    id = decoded(id);
    if (const std::string* allowed = exchange.find(attr::AllowedModels); allowed && !anyModelPatternMatches(*allowed, id))
        return RequestError::modelNotFound(id).respond(exchange);
    catalog_.find(exchange, id, [id](Exchange& done, std::optional<ModelEntry> model) {
        if (!model)
            return RequestError::modelNotFound(id).respond(done);
        done.respond(200, modelJson(*model));
    });
}

} // namespace portico::openai
