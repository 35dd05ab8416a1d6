#pragma once
/// POST /v1/messages and POST /v1/messages/count_tokens: Anthropic's Messages API on the local
/// text model (portico-echo and the catalog names that stand for it), passed on to an upstream
/// of type anthropic, or translated to chat for an OpenAI-compatible upstream or a catalog name
/// with upstream deployments.
///
/// A model served by an upstream of type anthropic: the body (a JSON object with a string
/// `model`, read for it and `stream` without a tree when plain, as the chat route reads it)
/// goes there unchanged, to <url>/messages or <url>/messages/count_tokens,
/// and the answer or event stream comes back as it is (the upstream validates the request: its
/// limits are not the local model's). Otherwise the body is validated in full first
/// (MessagesRequest: Anthropic's 400s, naming the field); then its model decides: a local text
/// model answers (a Message, or with stream true the events of MessagesStream; count_tokens:
/// {input_tokens}); a model served by an OpenAI-compatible upstream or by a catalog entry with
/// an upstream deployment goes there as a chat completions request (ChatFromMessages.h; its
/// answer comes back translated by the proxy, upstream/MessagesFromChat.h; max_tokens is the
/// upstream's to cap, count_tokens the local tokenizer's estimate); an embedding model is a
/// 400; any other name a 404 not_found_error. Every error is in Anthropic's shape with
/// `request-id` (the trace id).
///
/// Sets attr::Model and the usage attributes as the chat handler does; a non-streamed answer
/// goes out when portico-echo would have finished generating it (local.token_delay_ms per token).

#include "AnswerLater.h"
#include "MessagesRequest.h"
#include "RequestPeek.h"
#include "OpenAiConfig.h"
#include "OpenAiMetrics.h"
#include "portico/Exchange.h"
#include "Poco/JSON/Object.h"
#include <functional>
#include <string>

namespace portico::openai::anthropic {

/// Where a model name of a request is served.
enum class ModelPlace
{
    LocalText,       ///< portico-echo, or a catalog name whose deployments are all portico-echo
    LocalEmbeddings, ///< portico-embed (or a name for it)
    Upstream,        ///< an OpenAI-compatible upstream, or a catalog name with an upstream deployment
    AnthropicUpstream, ///< an upstream of type anthropic (not through the catalog)
    Unknown
};

using ModelLookup = std::function<ModelPlace(const std::string& model)>;
/// Sends the exchange's body unchanged to the upstream serving `model`, at `apiPath` below its
/// URL, and relays the answer (the openai plugin's upstream proxy): the answer is deferred.
using UpstreamForward =
    std::function<void(Exchange& exchange, const std::string& model, const std::string& apiPath, bool stream)>;
/// Sends chat completions request `chatBody` (translated from the exchange's Messages request)
/// for `model` to its upstream or catalog deployments; the proxy answers in Anthropic's shape.
using ChatForward =
    std::function<void(Exchange& exchange, const std::string& model, std::string chatBody, bool stream)>;

class MessagesHandler
{
public:
    MessagesHandler(const LocalBackendConfig& config, OpenAiMetrics& metrics, std::size_t maxJsonDepth,
                    ModelLookup lookup, UpstreamForward forward, ChatForward chat);

    /// POST /v1/messages. Never throws for a bad request: it answers it.
    void create(Exchange& exchange) const;
    /// POST /v1/messages/count_tokens.
    void countTokens(Exchange& exchange) const;
    /// The local text model answers the exchange's Messages request (a local deployment of a
    /// catalog name that also has upstream ones): a response, or a task handed to `later`.
    void answerLocally(Exchange& exchange, const AnswerLater& later) const;

private:
    /// Both routes: the model's place looked up once (from "model" read without a tree when the
    /// body is plain), then passed on, translated to chat, or answered by the local model.
    void serve(Exchange& exchange, MessagesRequest::Kind kind) const;
    /// An upstream of type anthropic: the body goes there unchanged, to `apiPath`.
    void passOn(Exchange& exchange, const RequestPeek& peek, const std::string& apiPath) const;
    /// For an OpenAI-compatible upstream or catalog deployments: true when the body is one of the
    /// plain valid shapes (ChatFromMessagesScan.h) and went there as a chat request, translated
    /// without a JSON tree.
    bool scannedToChat(Exchange& exchange, const RequestPeek& peek) const;
    /// The same for any body: validated (Anthropic's 400s), then sent as a chat request
    /// (count_tokens: answered with the local estimate).
    void translate(Exchange& exchange, const Poco::JSON::Object& body, MessagesRequest::Kind kind) const;
    /// The local text model's answer to `request`.
    void answer(Exchange& exchange, const MessagesRequest& request, const AnswerLater& later) const;
    /// Checks that `place` is a local text model's (else throws AnthropicError for `model`) and
    /// sets attr::Model.
    void admit(Exchange& exchange, ModelPlace place, const std::string& model) const;

    const LocalBackendConfig& config_;
    /// config_ without the cap on max_tokens, for requests an upstream serves.
    const LocalBackendConfig upstreamLimits_;
    OpenAiMetrics& metrics_;
    const std::size_t maxJsonDepth_;
    const ModelLookup lookup_;
    const UpstreamForward forward_;
    const ChatForward chat_;
};

} // namespace portico::openai::anthropic
