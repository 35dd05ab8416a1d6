#include "portico/Exchange.h"
#include "portico/Json.h"
#include "Poco/Exception.h"

namespace portico {

/// The StreamWriter an Exchange hands to its handler. The first write runs the response-head
/// hooks (through the core's callback) and commits the head; every write goes through the body
/// observers and is flushed by the sink.
class Exchange::Stream : public StreamWriter
{
public:
    explicit Stream(Exchange& exchange) : exchange_(exchange) {}

    bool write(std::string_view chunk) override
    {
        if (!open_)
            return false;
        Response& response = exchange_.response_;
        if (!response.committed)
        {
            if (exchange_.beforeCommit_)
                exchange_.beforeCommit_();
            // A response-head hook threw: the core replaced this stream by a buffered 500
            // (resetAnswer() retired this writer). The head hooks have run on it, so send it now.
            if (!open_)
                return sendReplacement();
            response.committed = true;
            if (!exchange_.sink_->beginStream(response))
                return closeAsGone();
        }
        if (chunk.empty())
            return true; // an empty chunk would end chunked encoding
        if (exchange_.observe_)
            exchange_.observe_(chunk);
        if (!exchange_.sink_->writeChunk(chunk))
            return closeAsGone();
        response.bytesSent += chunk.size();
        return true;
    }

    bool open() const override { return open_; }

    /// The answer is no longer a stream (see resetAnswer()); every later write fails.
    void retire() { open_ = false; }

private:
    bool sendReplacement()
    {
        Response& response = exchange_.response_;
        response.committed = true;
        try
        {
            if (exchange_.observe_)
                exchange_.observe_(response.body);
            exchange_.sink_->sendWhole(response);
            response.bytesSent = response.body.size();
        }
        catch (...)
        {
            response.clientGone = true;
        }
        return false;
    }

    bool closeAsGone()
    {
        open_ = false;
        exchange_.response_.clientGone = true;
        return false;
    }

    Exchange& exchange_;
    bool open_ = true;
};

Exchange::Exchange(std::string method, const std::string& target, Poco::Net::NameValueCollection headers,
                   std::string body, std::string clientAddress)
    : method_(std::move(method)),
      requestHeaders_(std::move(headers)),
      body_(std::move(body)),
      clientAddress_(std::move(clientAddress)),
      startedAt_(Clock::now())
{
    const auto question = target.find('?');
    path_ = target.substr(0, question);
    if (question != std::string::npos)
        query_ = target.substr(question + 1);
    // An absolute-form target ("http://host/path") is reduced to its path.
    if (path_.compare(0, 7, "http://") == 0 || path_.compare(0, 8, "https://") == 0)
    {
        const auto slash = path_.find('/', path_.find("//") + 2);
        path_ = slash == std::string::npos ? "/" : path_.substr(slash);
    }
}

Exchange::~Exchange() = default;

const std::string& Exchange::empty()
{
    static const std::string nothing;
    return nothing;
}

const std::string& Exchange::requestHeader(const std::string& name, const std::string& fallback) const
{
    const auto it = requestHeaders_.find(name);
    return it == requestHeaders_.end() ? fallback : it->second;
}

std::string Exchange::pathParam(const std::string& name) const
{
    const auto it = pathParams_.find(name);
    return it == pathParams_.end() ? std::string() : it->second;
}

const std::string* Exchange::find(const std::string& key) const
{
    const auto it = attributes_.find(key);
    return it == attributes_.end() ? nullptr : &it->second;
}

std::string Exchange::get(const std::string& key, const std::string& fallback) const
{
    const auto* value = find(key);
    return value ? *value : fallback;
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
}

void Exchange::respondError(int status, const std::string& message, const std::string& type,
                            const std::string& code, const std::string& param)
{
    respond(status, openAiErrorBody(message, type, code, param));
}

StreamWriter& Exchange::stream(int status, std::string contentType)
{
    if (response_.committed || (stream_ && stream_->open()))
        throw Poco::IllegalStateException("stream() called twice or after the answer was committed");
    if (!sink_)
        throw Poco::IllegalStateException("stream() on an exchange without a sink");
    response_.status = status;
    response_.contentType = std::move(contentType);
    response_.body.clear();
    response_.streamed = true;
    response_.source = pendingSource_;
    stream_ = std::make_unique<Stream>(*this);
    return *stream_;
}

void Exchange::attach(ResponseSink* sink, std::function<void()> beforeCommit,
                      std::function<void(std::string_view)> observe)
{
    sink_ = sink;
    beforeCommit_ = std::move(beforeCommit);
    observe_ = std::move(observe);
}

void Exchange::resetAnswer()
{
    if (response_.committed)
        throw Poco::IllegalStateException("resetAnswer() after the answer was committed");
    response_.status = 0;
    response_.body.clear();
    response_.contentType = "application/json";
    response_.streamed = false;
    response_.source = AnswerSource::None;
    // Retire the writer but keep it alive: resetAnswer() may run inside its write() (a
    // response-head hook that throws while the stream commits), and the handler still holds it.
    if (stream_)
        stream_->retire();
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
