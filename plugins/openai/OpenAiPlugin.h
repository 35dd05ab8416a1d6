#pragma once
// openai: the OpenAI-compatible API. Registers GET /v1/models, GET /v1/models/{id},
// POST /v1/embeddings, POST /v1/responses and POST /v1/chat/completions. Each POST is parsed
// once (JSON object, bounded depth), its `model` decides where it goes: the model catalog's
// deployments (routing/: aliases, groups, failover), an upstream that serves it (the body
// forwarded unchanged on the event loop, see UpstreamRouting) or the local backend
// (portico-echo, portico-embed); anything else is 404 model_not_found. POST /v1/messages and
// /v1/messages/count_tokens (Anthropic's Messages API, anthropic/) are served by the local text
// model, or passed on unchanged to an upstream of type anthropic that serves the model.
//
// Sets attr::Model and the usage attributes; counts portico_tokens_total on completion and
// portico_stream_time_to_first_token_seconds for local and relayed streams.

#include "ChatHandler.h"
#include "EmbeddingsHandler.h"
#include "ModelCatalog.h"
#include "ModelsHandler.h"
#include "OpenAiConfig.h"
#include "OpenAiMetrics.h"
#include "ResponsesHandler.h"
#include "UpstreamRouting.h"
#include "anthropic/MessagesHandler.h"
#include "portico/Plugin.h"
#include "portico/PluginContext.h"

namespace portico::openai {

class OpenAiPlugin : public Plugin
{
public:
    explicit OpenAiPlugin(PluginContext& context);
    ~OpenAiPlugin() override;

    /// Spots the first token of a stream relayed from an upstream (for the TTFT histogram).
    void onResponseBody(Exchange& exchange, std::string_view chunk) override;
    /// Adds the exchange's usage to portico_tokens_total.
    void onComplete(Exchange& exchange, Outcome outcome) override;
    void describeApi(ApiDescription& api) const override;
    /// The passthrough.<id> routes' operations (OpenAiApi.cpp).
    void describePassThrough(ApiDescription& api) const;
    /// Its hooks and routes compute; upstream calls are deferred answers on the event loop.
    Blocking blocking() const override { return Blocking::Never; }

private:
    /// A stream relayed from an upstream, until its first token is seen (for the TTFT histogram).
    struct RelayState
    {
        bool awaitingFirstToken = false;
    };

    enum class Endpoint
    {
        Embeddings,
        Responses,
        Chat
    };

    /// The local models as the model router's local deployments use them, one per endpoint.
    class LocalEndpoint;
    /// The local text model answering /v1/messages, as a local deployment of a catalog name
    /// whose other deployments get the request translated to chat.
    class LocalMessages;

    void handlePost(Exchange& exchange, Endpoint endpoint);
    /// `body`: sent instead of the exchange's (the default model added).
    void forwardUpstream(Exchange& exchange, Endpoint endpoint, const std::string& model, bool stream,
                         const std::string* body = nullptr);
    /// A passthrough.<id> route: the request forwarded as it is (passthrough/).
    void passThrough(Exchange& exchange, const PassThroughRoute& route);
    /// `local`: who answers for the local deployments (default: the endpoint's LocalEndpoint).
    void routeCatalog(Exchange& exchange, Endpoint endpoint, const std::string& model, bool stream, std::string body,
                      LocalAnswers* local = nullptr);
    /// `deployment`: a local deployment of the catalog (the model is local whatever an
    /// upstream takes).
    void handleLocally(Exchange& exchange, Endpoint endpoint, const std::string& model,
                       const Poco::JSON::Object& body, const AnswerLater& later, bool deployment = false);
    static const char* apiPathOf(Endpoint endpoint);
    /// Where a /v1/messages request's model is served (anthropic/MessagesHandler.h).
    anthropic::ModelPlace messagesModelPlace(const std::string& model) const;

    const OpenAiConfig config_;
    OpenAiMetrics metrics_;
    UpstreamRouting upstreams_;
    ModelCatalog catalog_;
    ModelsHandler models_;
    EmbeddingsHandler embeddings_;
    ResponsesHandler responses_;
    ChatHandler chat_;
    anthropic::MessagesHandler messages_;
    const StateSlot<RelayState> relay_;
    std::unique_ptr<LocalEndpoint> localEmbeddings_;
    std::unique_ptr<LocalEndpoint> localResponses_;
    std::unique_ptr<LocalEndpoint> localChat_;
    std::unique_ptr<LocalMessages> localMessages_;
};

} // namespace portico::openai
