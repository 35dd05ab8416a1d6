#include "PassThroughCall.h"
#include "upstream/AnswerHead.h"
#include "upstream/ProxyFailure.h"
#include "upstream/UpstreamRequest.h"
#include "PassThroughHeaders.h"
#include "portico/AsciiCase.h"
#include "portico/Attributes.h"
#include "portico/Json.h"
#include "Poco/Logger.h"

namespace portico::openai {

PassThroughCall::PassThroughCall(const ProxyTarget& target, WarningThrottle& warnings)
    : target_(target), warnings_(warnings)
{
}

PassThroughCall::~PassThroughCall()
{
    // The call first: destroying it closes a connection still in use.
    call_.reset();
}

void PassThroughCall::start(Exchange& exchange)
{
    exchange_ = &exchange;
    started_ = Clock::now();
    call_ = target_.client->start(exchange, passThroughRequest(exchange, target_.config), *this);
}

void PassThroughCall::onHead(const UpstreamAnswer& answer)
{
    if (mode_ != Mode::Waiting)
        return;
    status_ = answer.status;
    contentType_ = answer.contentType;
    // Kept aside until the answer is given: a failure before that answers with none of them.
    relayAnswerHeaders(answer, relayed_);
    const bool bodiless = exchange_->method() == "HEAD" || status_ == 204 || status_ == 304;
    const long long declared = declaredLength(answer);
    if (bodiless || (declared >= 0 && static_cast<unsigned long long>(declared) <= BufferedAnswerBytes &&
                     !isEventStream(contentType_)))
    {
        mode_ = Mode::Buffering;
        return;
    }
    mode_ = Mode::Relaying;
}

StreamWriter& PassThroughCall::writer()
{
    if (!writer_)
    {
        takeHeaders();
        writer_ = &exchange_->stream(status_, contentType_);
    }
    return *writer_;
}

void PassThroughCall::takeHeaders()
{
    HeaderList& headers = exchange_->response().headers;
    for (auto& [name, value] : relayed_)
    {
        if (equalsIgnoringCase(name, UpstreamRequestIdHeader))
            headers.set(name, std::move(value));
        else
            headers.add(std::move(name), std::move(value));
    }
    relayed_ = HeaderList();
}

void PassThroughCall::onBody(std::string_view bytes)
{
    if (mode_ == Mode::Buffering)
    {
        // Bounded: the core's client ends the body at its Content-Length (<= BufferedAnswerBytes).
        body_.append(bytes.data(), bytes.size());
        return;
    }
    if (mode_ != Mode::Relaying)
        return;
    if (!writer().write(bytes))
        return; // the client has gone: the core cancels
    if (!writer_->ready() && !paused_ && !callOver_)
    {
        paused_ = true;
        call_->pause();
    }
}

void PassThroughCall::resume(Exchange&)
{
    if (mode_ != Mode::Relaying || !paused_)
        return;
    paused_ = false;
    if (!callOver_)
        call_->resume();
}

void PassThroughCall::onEnd()
{
    callOver_ = true;
    if (mode_ == Mode::Buffering)
    {
        mode_ = Mode::Done;
        takeHeaders();
        exchange_->respond(status_, std::move(body_), contentType_);
        return record(std::to_string(status_));
    }
    if (mode_ != Mode::Relaying)
        return;
    mode_ = Mode::Done;
    writer().end();
    record(std::to_string(status_));
}

void PassThroughCall::onError(const UpstreamFailure& failure)
{
    callOver_ = true;
    if (mode_ == Mode::Done)
        return;
    const ProxyFailure problem = proxyFailure(target_.config, failure);
    if (long suppressed = 0; warnings_.mayWarn(Clock::now(), suppressed))
        target_.logger->warning(problem.message + " (pass-through " + exchange_->method() + " " + exchange_->path() +
                                ")" +
                                (suppressed > 0 ? "; " + std::to_string(suppressed) +
                                                      " more such failures on this route in the last seconds not logged"
                                                : std::string()));
    if (writer_)
        writer_->fail(); // bytes went out: the client sees the truncation
    else
        exchange_->respondError(problem.status, problem.message, errorTypeForStatus(problem.status), problem.code);
    mode_ = Mode::Done;
    record(problem.label);
}

void PassThroughCall::cancel(Exchange&)
{
    if (mode_ != Mode::Done && status_ != 0)
        record(std::to_string(status_));
    mode_ = Mode::Done;
    call_.reset();
}

void PassThroughCall::record(const std::string& label)
{
    const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    exchange_->set(attr::UpstreamMs, std::to_string(static_cast<long long>(seconds * 1000)));
    target_.metrics->observe(target_.config.name, label, seconds);
}

} // namespace portico::openai
