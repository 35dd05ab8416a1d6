#include "OpenAiPlugin.h"
#include "EchoModel.h"
#include "HashingEmbedder.h"
#include "JsonBody.h"
#include "RequestError.h"
#include "RequestPeek.h"
#include "passthrough/PassThroughHeaders.h"
#include "routing/RoutedCall.h"
#include "portico/Attributes.h"
#include "Poco/JSON/Object.h"
#include <optional>
#include <sstream>
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

class OpenAiPlugin::LocalEndpoint final : public LocalAnswers
{
public:
    LocalEndpoint(OpenAiPlugin& plugin, Endpoint endpoint) : plugin_(plugin), endpoint_(endpoint) {}

    void answer(Exchange& exchange, const std::string& body, const AnswerLater& later) override
    {
        // A local model times its own first token (the relay's watch is for upstream streams).
        if (RelayState* relay = exchange.state(plugin_.relay_))
            relay->awaitingFirstToken = false;
        try
        {
            const auto parsed = parseJsonObject(body, static_cast<std::size_t>(plugin_.config_.maxJsonDepth));
            const RequestPeek fields = readRequestPeek(*parsed);
            plugin_.handleLocally(exchange, endpoint_, fields.model, *parsed, later, true);
        }
        catch (const RequestError& error)
        {
            if (exchange.response().committed)
                throw;
            error.respond(exchange);
        }
    }

private:
    OpenAiPlugin& plugin_;
    const Endpoint endpoint_;
};

class OpenAiPlugin::LocalMessages final : public LocalAnswers
{
public:
    explicit LocalMessages(OpenAiPlugin& plugin) : plugin_(plugin) {}

    /// `body` is the chat request translated for the upstream deployments: the local model
    /// answers the client's own Messages request instead, in Anthropic's shape.
    void answer(Exchange& exchange, const std::string& /*body*/, const AnswerLater& later) override
    {
        if (RelayState* relay = exchange.state(plugin_.relay_))
            relay->awaitingFirstToken = false;
        plugin_.messages_.answerLocally(exchange, later);
    }

private:
    OpenAiPlugin& plugin_;
};

OpenAiPlugin::OpenAiPlugin(PluginContext& context)
    : config_(OpenAiConfig::from(context.config())),
      metrics_(context.metrics()),
      upstreams_(context, config_.local.enabled, static_cast<std::size_t>(config_.maxJsonDepth)),
      catalog_(config_.local.enabled, upstreams_),
      models_(catalog_),
      embeddings_(config_.local),
      responses_(config_.local, metrics_),
      chat_(config_.local, metrics_),
      messages_(config_.local, metrics_, static_cast<std::size_t>(config_.maxJsonDepth),
                [this](const std::string& model) { return messagesModelPlace(model); },
                [this](Exchange& e, const std::string& model, const std::string& apiPath, bool stream) {
                    upstreams_.forward(e, model, apiPath, stream);
                },
                [this](Exchange& e, const std::string& model, std::string chatBody, bool stream) {
                    if (upstreams_.inCatalog(model))
                        return routeCatalog(e, Endpoint::Chat, model, stream, std::move(chatBody), localMessages_.get());
                    forwardUpstream(e, Endpoint::Chat, model, stream, &chatBody);
                }),
      relay_(context.stateSlot<RelayState>()),
      localEmbeddings_(std::make_unique<LocalEndpoint>(*this, Endpoint::Embeddings)),
      localResponses_(std::make_unique<LocalEndpoint>(*this, Endpoint::Responses)),
      localChat_(std::make_unique<LocalEndpoint>(*this, Endpoint::Chat)),
      localMessages_(std::make_unique<LocalMessages>(*this))
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
    context.addRoute({"POST", "/v1/messages", [this](Exchange& e) { messages_.create(e); }, never});
    context.addRoute({"POST", "/v1/messages/count_tokens", [this](Exchange& e) { messages_.countTokens(e); }, never});
    context.addRoute({"GET", "/routing", [this](Exchange& e) { e.respond(200, upstreams_.routingView()); }, never});
    // Model labels come from the configuration only (OpenAiMetrics.h).
    std::vector<std::string> known = upstreams_.catalogNames();
    for (auto& name : upstreams_.listedModels())
        known.push_back(std::move(name));
    if (config_.local.enabled)
    {
        known.push_back(EchoModel::id);
        known.push_back(HashingEmbedder::id);
    }
    metrics_.setKnownModels(known);
    for (const PassThroughRoute& route : upstreams_.passThroughRoutes())
        for (const std::string& method : route.methods)
            context.addRoute(
                {method, route.pattern(), [this, &route](Exchange& e) { passThrough(e, route); }, never, true});
}

OpenAiPlugin::~OpenAiPlugin() = default;

const char* OpenAiPlugin::apiPathOf(Endpoint endpoint)
{
    return endpoint == Endpoint::Embeddings  ? "/embeddings"
           : endpoint == Endpoint::Responses ? "/responses"
                                             : "/chat/completions";
}

anthropic::ModelPlace OpenAiPlugin::messagesModelPlace(const std::string& model) const
{
    using anthropic::ModelPlace;
    std::optional<LocalKind> kind;
    if (upstreams_.inCatalog(model))
    {
        // A catalog name is served here when all its deployments are one local model.
        const auto local = upstreams_.localTarget(model);
        if (!local)
            return ModelPlace::Upstream;
        kind = ModelCatalog::localKind(*local);
    }
    else if (upstreams_.routesToAnthropic(model))
        return ModelPlace::AnthropicUpstream;
    else if (catalog_.upstream(model))
        return ModelPlace::Upstream;
    else
        kind = catalog_.local(model);
    if (!kind)
        return ModelPlace::Unknown;
    return *kind == LocalKind::Text ? ModelPlace::LocalText : ModelPlace::LocalEmbeddings;
}

void OpenAiPlugin::handlePost(Exchange& exchange, Endpoint endpoint)
{
    try
    {
        const auto maxDepth = static_cast<std::size_t>(config_.maxJsonDepth);
        // Bound for the catalog or an upstream, the body is relayed (with the deployment's
        // model) and the upstream validates the rest: "model" and "stream" are all we need,
        // read without building a JSON tree.
        if (auto peek = peekRequest(exchange.body(), maxDepth))
        {
            if (upstreams_.inCatalog(peek->model))
                return routeCatalog(exchange, endpoint, peek->model, peek->stream, exchange.body());
            if (catalog_.upstream(peek->model))
                return forwardUpstream(exchange, endpoint, peek->model, peek->stream);
        }
        auto body = parseJsonObject(exchange.body(), maxDepth);
        // default_model: a request that names no model gets it (off unless configured, since
        // OpenAI requires "model").
        std::optional<std::string> withDefault;
        if (!body->has("model") && !upstreams_.defaultModel().empty())
        {
            body->set("model", upstreams_.defaultModel());
            std::ostringstream text;
            body->stringify(text);
            withDefault = text.str();
        }
        const RequestPeek fields = readRequestPeek(*body);
        if (upstreams_.inCatalog(fields.model))
            return routeCatalog(exchange, endpoint, fields.model, fields.stream,
                                withDefault ? *withDefault : exchange.body());
        if (catalog_.upstream(fields.model))
            return forwardUpstream(exchange, endpoint, fields.model, fields.stream,
                                   withDefault ? &*withDefault : nullptr);
        handleLocally(exchange, endpoint, fields.model, *body, deferOn(exchange));
    }
    catch (const RequestError& error)
    {
        // Requests are checked before a stream starts, so nothing has been sent yet.
        if (exchange.response().committed)
            throw;
        error.respond(exchange); // replaces anything not yet committed
    }
}

void OpenAiPlugin::passThrough(Exchange& exchange, const PassThroughRoute& route)
{
    // The prefix was matched on the path as sent; a dot segment would let the upstream resolve
    // it to a path outside the prefix ("/v1/dreams/../admin").
    if (hasDotSegment(exchange.path()))
        return exchange.respondError(400, "The path " + exchange.path() + " has a '.' or '..' segment.",
                                     "invalid_request_error", "invalid_path");
    upstreams_.passThrough(exchange, route);
}

void OpenAiPlugin::routeCatalog(Exchange& exchange, Endpoint endpoint, const std::string& model, bool stream,
                                std::string body, LocalAnswers* local)
{
    exchange.set(attr::Model, model);
    if (stream)
        exchange.emplaceState(relay_).awaitingFirstToken = true;
    if (!local)
        local = endpoint == Endpoint::Embeddings  ? localEmbeddings_.get()
                : endpoint == Endpoint::Responses ? localResponses_.get()
                                                  : localChat_.get();
    upstreams_.route(exchange, model, apiPathOf(endpoint), stream, std::move(body), *local);
}

void OpenAiPlugin::forwardUpstream(Exchange& exchange, Endpoint endpoint, const std::string& model, bool stream,
                                   const std::string* body)
{
    exchange.set(attr::Model, model);
    if (stream)
        exchange.emplaceState(relay_).awaitingFirstToken = true;
    upstreams_.forward(exchange, model, apiPathOf(endpoint), stream, body);
}

void OpenAiPlugin::handleLocally(Exchange& exchange, Endpoint endpoint, const std::string& model,
                                 const Poco::JSON::Object& body, const AnswerLater& later, bool deployment)
{
    // A catalog deployment names a local model explicitly: no upstream shadows it.
    const auto kind = deployment ? ModelCatalog::localKind(model) : catalog_.local(model);
    if (!kind)
        throw RequestError::modelNotFound(model);
    if (!deployment) // a catalog request keeps the public name it asked for
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
    case Endpoint::Embeddings: embeddings_.handle(exchange, body, later); break;
    case Endpoint::Responses: responses_.handle(exchange, body, later); break;
    case Endpoint::Chat: chat_.handle(exchange, body, later); break;
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
