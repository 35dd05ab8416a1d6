#include "ModelsHandler.h"
#include "JsonWriter.h"
#include "RequestError.h"
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

std::optional<std::string> staticListJson(const ModelCatalog& catalog)
{
    auto models = catalog.staticList();
    if (!models)
        return std::nullopt;
    return ModelsHandler::listJson(*models);
}

} // namespace

ModelsHandler::ModelsHandler(ModelCatalog& catalog) : catalog_(catalog), staticListJson_(staticListJson(catalog)) {}

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
    catalog_.find(exchange, id, [id](Exchange& done, std::optional<ModelEntry> model) {
        if (!model)
            return RequestError::modelNotFound(id).respond(done);
        done.respond(200, modelJson(*model));
    });
}

} // namespace portico::openai
