#pragma once
// A Poco::Channel that redacts each message's text and passes it on to the channel it wraps.

#include "Redactor.h"
#include "Poco/Channel.h"
#include <cstdint>
#include <memory>

namespace portico::redaction {

class RedactingChannel : public Poco::Channel
{
public:
    /// `owner` identifies the redaction plugin instance that installed this wrapper, so that a
    /// reload can tell its own wrappers from an older instance's.
    RedactingChannel(Poco::Channel::Ptr inner, std::shared_ptr<const Redactor> redactor, std::uint64_t owner);

    /// Logs `message` through the inner channel with its text redacted. A message with nothing
    /// to redact is passed on as it is (no copy).
    void log(const Poco::Message& message) override;
    void open() override;
    void close() override;
    /// Properties are the inner channel's.
    void setProperty(const std::string& name, const std::string& value) override;
    std::string getProperty(const std::string& name) const override;

    Poco::Channel::Ptr inner() const { return inner_; }
    std::uint64_t owner() const { return owner_; }

private:
    // Not const: Poco's AutoPtr hands out a pointer to const from a const AutoPtr.
    Poco::Channel::Ptr inner_;
    const std::shared_ptr<const Redactor> redactor_;
    const std::uint64_t owner_;
};

} // namespace portico::redaction
