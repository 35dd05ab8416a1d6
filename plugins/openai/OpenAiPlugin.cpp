#include "OpenAiPlugin.h"
#include "JsonBody.h"
#include "RequestError.h"
#include "RequestPeek.h"
#include "portico/Attributes.h"
#include "Poco/NumberParser.h"

namespace portico::openai {

namespace {


/// True when a relayed chunk carries generated text: a Responses text delta, or a chat chunk
/// whose delta has non-empty content (the first chunk only has the role).
bool carriesToken(std::string_view chunk)
{
    if (chunk.find("response.output_text.delta") != std::string_view::npos)
        return true;
    static constexpr std::string_view content = "\"content\":\"";
    for (auto at = chunk.find(content); at != std::string_view::npos; at = chunk.find(content, at + 1))
    {
        const std::size_t next = at + content.size();
        if (next < chunk.size() && chunk[next] != '"')
            return true;
    }
    return false;
}

std::uint64_t attributeNumber(const Exchange& exchange, const AttributeKey& key)
{
    const std::string* text = exchange.find(key);
    Poco::UInt64 value = 0;
    return text && Poco::NumberParser::tryParseUnsigned64(*text, value) ? value : 0;
}

} // namespace

OpenAiPlugin::OpenAiPlugin(PluginContext& context)
    : config_(OpenAiConfig::from(context.config())),
      metrics_(context.metrics()),
      upstreams_(context),
      catalog_(config_.local.enabled, upstreams_),
      models_(catalog_),
      embeddings_(config_.local),
      responses_(config_.local, metrics_),
      chat_(config_.local, metrics_),
      relay_(context.stateSlot<RelayState>())
{
    // No route waits: local models compute (their pacing is a timer on the loop), and upstream
    // calls and model lists are deferred answers on the loop (the core's upstream client).
    const Blocking never = Blocking::Never;
    context.addRoute({"GET", "/v1/models", [this](Exchange& e) { models_.list(e); }, never});
    context.addRoute({"GET", "/v1/models/{id}", [this](Exchange& e) { models_.retrieve(e); }, never});
    context.addRoute({"GET", "/v1/models/{org}/{name}", [this](Exchange& e) { models_.retrieve(e); }, never});
    context.addRoute({"POST", "/v1/embeddings", [this](Exchange& e) { handlePost(e, Endpoint::Embeddings); }, never});
    context.addRoute({"POST", "/v1/responses", [this](Exchange& e) { handlePost(e, Endpoint::Responses); }, never});
    context.addRoute(
        {"POST", "/v1/chat/completions", [this](Exchange& e) { handlePost(e, Endpoint::Chat); }, never});
}

void OpenAiPlugin::handlePost(Exchange& exchange, Endpoint endpoint)
{
    try
    {
        const auto maxDepth = static_cast<std::size_t>(config_.maxJsonDepth);
        // Bound for an upstream, the body is relayed unchanged and the upstream validates the
        // rest: "model" and "stream" are all we need, read without building a JSON tree.
        if (auto peek = peekRequest(exchange.body(), maxDepth); peek && catalog_.upstream(peek->model))
            return forwardUpstream(exchange, endpoint, peek->model, peek->stream);
        const auto body = parseJsonObject(exchange.body(), maxDepth);
        const RequestPeek fields = readRequestPeek(*body);
        if (catalog_.upstream(fields.model))
            return forwardUpstream(exchange, endpoint, fields.model, fields.stream);
        handleLocally(exchange, endpoint, fields.model, *body);
    }
    catch (const RequestError& error)
    {
        // Requests are checked before a stream starts, so nothing has been sent yet.
        if (exchange.response().committed)
            throw;
        error.respond(exchange); // replaces anything not yet committed
    }
}

void OpenAiPlugin::forwardUpstream(Exchange& exchange, Endpoint endpoint, const std::string& model, bool stream)
{
    exchange.set(attr::Model, model);
    if (stream)
        exchange.emplaceState(relay_).awaitingFirstToken = true;
    const char* apiPath = endpoint == Endpoint::Embeddings  ? "/embeddings"
                          : endpoint == Endpoint::Responses ? "/responses"
                                                            : "/chat/completions";
    upstreams_.forward(exchange, model, apiPath, stream);
}

void OpenAiPlugin::handleLocally(Exchange& exchange, Endpoint endpoint, const std::string& model,
                                 const Poco::JSON::Object& body)
{
    const auto kind = catalog_.local(model);
    if (!kind)
        throw RequestError::modelNotFound(model);
    exchange.set(attr::Model, model);
    const bool wantsEmbeddings = endpoint == Endpoint::Embeddings;
    if (wantsEmbeddings != (*kind == LocalKind::Embeddings))
        throw RequestError::invalid("model",
                                    "The model '" + model + "' does not support " +
                                        (wantsEmbeddings ? "embeddings" : "text generation") + "; use '" +
                                        (wantsEmbeddings ? "portico-embed" : "portico-echo") + "'.",
                                    "model_not_supported");
    switch (endpoint)
    {
    case Endpoint::Embeddings: embeddings_.handle(exchange, body); break;
    case Endpoint::Responses: responses_.handle(exchange, body); break;
    case Endpoint::Chat: chat_.handle(exchange, body); break;
    }
}

void OpenAiPlugin::onResponseBody(Exchange& exchange, std::string_view chunk)
{
    RelayState* relay = exchange.state(relay_);
    if (!relay || !relay->awaitingFirstToken || !carriesToken(chunk))
        return;
    relay->awaitingFirstToken = false;
    const std::string model = exchange.get(attr::Model);
    metrics_.observeTimeToFirstToken(
        model, std::chrono::duration<double>(Exchange::Clock::now() - exchange.startedAt()).count());
}

void OpenAiPlugin::onComplete(Exchange& exchange, Outcome)
{
    const std::string* model = exchange.find(attr::Model);
    if (!model || !(exchange.find(attr::UsageInputTokens) || exchange.find(attr::UsageOutputTokens)))
        return;
    metrics_.countTokens(*model, attributeNumber(exchange, attr::UsageInputTokens),
                         attributeNumber(exchange, attr::UsageOutputTokens));
}

} // namespace portico::openai
