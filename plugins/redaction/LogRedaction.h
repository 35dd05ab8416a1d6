#pragma once
// Puts a RedactingChannel in front of the channel of every Poco logger: the root and every
// named logger that exists. Loggers created later copy their parent's (ultimately the root's)
// channel when they are created, so they are covered too.
//
// Several redaction plugin instances can be alive at once during a reload (the new chain
// starts before the old one stops). Each installation is registered here; the newest one owns
// the loggers. When an installation is removed, loggers it owned go to the newest remaining
// installation or, when there is none, back to their original channels. So a reload that
// fails halfway hands the loggers back to the running chain's instance, and a reload without
// the redaction plugin unwraps them.

#include "Redactor.h"
#include <cstdint>
#include <memory>

namespace portico::redaction {

class LogRedaction
{
public:
    /// Registers installation `id` and wraps every logger's channel with it. A logger that was
    /// wrapped by another installation is re-wrapped around the original channel (never a
    /// wrapper around a wrapper).
    static void install(std::uint64_t id, std::shared_ptr<const Redactor> redactor);
    /// Removes installation `id` (no-op when it is not installed) and hands its loggers on.
    static void uninstall(std::uint64_t id);
    /// A fresh installation id.
    static std::uint64_t newId();
};

} // namespace portico::redaction
