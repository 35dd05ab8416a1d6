#include "RedactingChannel.h"
#include "Poco/Message.h"

namespace portico::redaction {

RedactingChannel::RedactingChannel(Poco::Channel::Ptr inner, std::shared_ptr<const Redactor> redactor,
                                   std::uint64_t owner)
    : inner_(std::move(inner)), redactor_(std::move(redactor)), owner_(owner)
{
}

void RedactingChannel::log(const Poco::Message& message)
{
    std::string text;
    if (!redactor_->redact(message.getText(), text))
    {
        inner_->log(message);
        return;
    }
    inner_->log(Poco::Message(message, text));
}

void RedactingChannel::open()
{
    inner_->open();
}

void RedactingChannel::close()
{
    inner_->close();
}

void RedactingChannel::setProperty(const std::string& name, const std::string& value)
{
    inner_->setProperty(name, value);
}

std::string RedactingChannel::getProperty(const std::string& name) const
{
    return inner_->getProperty(name);
}

} // namespace portico::redaction
