#include "portico/Exchange.h"
#include "portico/KeptString.h"
#include "api/TargetPath.h"
#include "api/ExchangeHost.h"
#include "portico/Attributes.h"
#include "portico/Deferred.h"
#include "portico/Json.h"
#include "Poco/Exception.h"
#include <algorithm>

namespace portico {

/// The StreamWriter an Exchange hands out. The first write runs the response-head hooks
/// (through the host) and commits the head; every chunk goes through the body hooks and is
/// queued by the host. Its state lives in the Exchange (streamState_), so the core can read and
/// retire it without knowing this class.
class Exchange::Stream : public StreamWriter
{
public:
    explicit Stream(Exchange& exchange) : exchange_(exchange) {}

    bool write(std::string_view chunk) override
    {
        if (exchange_.streamState_ != StreamState::Open)
            return false;
        if (!commit())
            return false;
        if (chunk.empty())
            return true; // an empty chunk would end chunked encoding
        exchange_.host_->observe(exchange_, chunk);
        if (!exchange_.host_->writeChunk(chunk))
            return gone();
        exchange_.response_.bytesSent += chunk.size();
        return true;
    }

    bool open() const override { return exchange_.streamState_ == StreamState::Open; }

    bool ready() const override { return open() && exchange_.host_->streamReady(); }

    void end() override
    {
        if (exchange_.streamState_ != StreamState::Open)
            return;
        // A stream that never wrote a byte still sends its head (and then its end).
        if (!commit())
            return;
        exchange_.streamState_ = StreamState::Ended;
        exchange_.host_->streamEnded(exchange_, false);
    }

    void fail() override
    {
        if (exchange_.streamState_ != StreamState::Open)
            return;
        exchange_.streamState_ = StreamState::Failed;
        exchange_.host_->streamEnded(exchange_, true);
    }

private:
    /// Commits the head before the first chunk. False when the stream cannot go on: a
    /// response-head hook threw (the host replaced the answer; this writer is retired) or the
    /// client is gone.
    bool commit()
    {
        Response& response = exchange_.response_;
        if (response.committed)
            return true;
        if (!exchange_.host_->beforeCommit(exchange_))
        {
            if (exchange_.streamState_ == StreamState::Open)
                exchange_.streamState_ = StreamState::Retired;
            return false;
        }
        response.committed = true;
        if (!exchange_.host_->beginStream(exchange_))
            return gone();
        return true;
    }

    bool gone()
    {
        exchange_.streamState_ = StreamState::Gone;
        exchange_.response_.clientGone = true;
        return false;
    }

    Exchange& exchange_;
};

StreamWriter::~StreamWriter() = default;
DeferredAnswer::~DeferredAnswer() = default;

Exchange::Exchange(std::string method, std::string_view target, HeaderList headers, std::string body,
                   std::string clientAddress)
    : method_(std::move(method)),
      requestHeaders_(std::move(headers)),
      body_(std::move(body)),
      clientAddress_(std::move(clientAddress)),
      startedAt_(Clock::now())
{
    const auto question = target.find('?');
    if (question != std::string_view::npos)
        query_.assign(target.substr(question + 1));
    path_.assign(targetPath(target));
}

Exchange::~Exchange()
{
    // The task first: it may still refer to the state of plugins.
    deferred_.reset();
    for (auto& entry : states_)
        if (entry.object)
            entry.destroy(entry.object);
    for (auto& entry : moreStates_)
        if (entry.object)
            entry.destroy(entry.object);
}

const std::string& Exchange::empty()
{
    static const std::string nothing;
    return nothing;
}

const std::string& Exchange::pathParam(std::string_view name) const
{
    for (const auto& [key, value] : pathParams_)
        if (key == name)
            return value;
    return empty();
}

Exchange::Attribute& Exchange::attributeFor(const AttributeKey& key)
{
    const std::uint32_t id = key.id();
    if (id >= attributes_.size())
        attributes_.resize(std::max<std::size_t>(id + 1, AttributeKey::count()));
    Attribute& attribute = attributes_[id];
    attribute.present = true;
    return attribute;
}

void Exchange::set(const AttributeKey& key, std::string value)
{
    Attribute& attribute = attributeFor(key);
    // Into the kept buffer when it is big enough (it stays for the next request); `value` is a
    // string of its own, so it cannot overlap that buffer.
    if (value.size() <= attribute.value.capacity())
        copyIntoKept(attribute.value, value);
    else
        attribute.value = std::move(value);
}

void Exchange::set(const AttributeKey& key, std::string_view value)
{
    copyIntoKept(attributeFor(key).value, value);
}

void Exchange::storeState(std::uint32_t index, void* object, void (*destroy)(void*))
{
    StateEntry* entry;
    if (index < InlineStateSlots)
        entry = &states_[index];
    else
    {
        if (index - InlineStateSlots >= moreStates_.size())
            moreStates_.resize(index - InlineStateSlots + 1);
        entry = &moreStates_[index - InlineStateSlots];
    }
    if (entry->object)
        entry->destroy(entry->object);
    entry->object = object;
    entry->destroy = destroy;
}

void Exchange::respond(int status, std::string body, std::string contentType)
{
    if (response_.committed)
        throw Poco::IllegalStateException("respond() after the answer was committed");
    response_.status = status;
    response_.body = std::move(body);
    response_.contentType = std::move(contentType);
    response_.streamed = false;
    response_.source = pendingSource_;
    if (streamState_ == StreamState::Open)
        streamState_ = StreamState::Retired;
}

void Exchange::respondError(int status, const std::string& message, const std::string& type,
                            const std::string& code, const std::string& param)
{
    // Anthropic's Messages API (/v1/messages*) has its own error shape, and its SDKs read the
    // request id from `request-id` (the trace id, when tracing set one).
    if (isAnthropicApiPath(path_))
    {
        respond(status, anthropicErrorBody(anthropicErrorType(status), message));
        if (const std::string* traceId = find(attr::TraceId))
            response_.headers.set("request-id", *traceId);
        return;
    }
    respond(status, openAiErrorBody(message, type, code, param));
}

StreamWriter& Exchange::stream(int status, std::string contentType)
{
    if (streamState_ == StreamState::Open && stream_)
        return *stream_;
    if (response_.committed)
        throw Poco::IllegalStateException("stream() after the answer was committed");
    if (!host_)
        throw Poco::IllegalStateException("stream() on an exchange the core is not serving");
    response_.status = status;
    response_.contentType = std::move(contentType);
    response_.body.clear();
    response_.streamed = true;
    response_.source = pendingSource_;
    if (!stream_)
        stream_ = std::make_unique<Stream>(*this);
    streamState_ = StreamState::Open;
    return *stream_;
}

void Exchange::defer(std::unique_ptr<DeferredAnswer> task)
{
    if (!task)
        throw Poco::InvalidArgumentException("defer() without a task");
    if (deferred_)
        throw Poco::IllegalStateException("defer() called twice");
    if (answered() || response_.committed)
        throw Poco::IllegalStateException("defer() after the exchange was answered");
    deferred_ = std::move(task);
}

Exchange::TimerId Exchange::after(std::chrono::milliseconds delay, std::function<void()> callback)
{
    if (!host_)
        throw Poco::IllegalStateException("after() on an exchange the core is not serving");
    return host_->after(*this, delay, std::move(callback));
}

void Exchange::cancelTimer(TimerId timer)
{
    if (host_)
        host_->cancelTimer(timer);
}

bool SseWriter::send(std::string_view event, std::string_view data)
{
    std::string frame;
    frame.reserve(event.size() + data.size() + 16);
    if (!event.empty())
    {
        frame += "event: ";
        frame += event;
        frame += '\n';
    }
    frame += "data: ";
    frame += data;
    frame += "\n\n";
    return writer_.write(frame);
}

} // namespace portico
