#pragma once
/// GET /v1/models and GET /v1/models/{id}: OpenAI's list ({"object":"list","data":[…]}) and
/// model objects ({id, object:"model", created, owned_by}); an unknown id is 404
/// model_not_found. Ids with one slash ("org/name", as vLLM and Ollama name models) are
/// served at /v1/models/{org}/{name}; a percent-encoded id is decoded. When an upstream's list
/// has to be fetched first, the answer is deferred (ModelCatalog). A request whose key may use
/// only some models (attr::AllowedModels, set by auth) sees only those: the others are left out
/// of the list and are 404 model_not_found, as OpenAI answers a model a key cannot use.

#include "ModelCatalog.h"
#include "portico/Exchange.h"
#include <optional>
#include <string>
#include <vector>

namespace portico::openai {

class ModelsHandler
{
public:
    explicit ModelsHandler(ModelCatalog& catalog);

    void list(Exchange& exchange);
    /// Reads the id from the path parameter "id" (or "org" + "/" + "name").
    void retrieve(Exchange& exchange);

    /// {"id":…,"object":"model","created":…,"owned_by":…}
    static std::string modelJson(const ModelEntry& model);

    /// {"object":"list","data":[…]} of `models`.
    static std::string listJson(const std::vector<ModelEntry>& models);

private:
    ModelCatalog& catalog_;
    /// The list's answer, written once when it cannot change (ModelCatalog::staticList: no
    /// "*" upstream): it was rebuilt for every request, about 10,000 instructions for the two
    /// local models, more than the rest of the request.
    const std::optional<std::vector<ModelEntry>> staticModels_;
    const std::optional<std::string> staticListJson_;
};

} // namespace portico::openai
