#pragma once
// The redaction plugin's log filter: the core runs every log line through it (porticod's own
// log and the access log alike) while the plugin's chain is the running one.

#include "Redactor.h"
#include "portico/LogFilter.h"
#include <memory>

namespace portico::redaction {

class RedactionFilter : public LogFilter
{
public:
    explicit RedactionFilter(std::shared_ptr<const Redactor> redactor) : redactor_(std::move(redactor)) {}

    /// Replaces every secret in `line` with [REDACTED]; a line with none is left alone (no
    /// copy). A line the Redactor could not check comes back replaced whole.
    void apply(std::string& line) const override;

    const Redactor& redactor() const { return *redactor_; }

private:
    const std::shared_ptr<const Redactor> redactor_;
};

} // namespace portico::redaction
