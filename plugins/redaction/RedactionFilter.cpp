#include "RedactionFilter.h"

namespace portico::redaction {

void RedactionFilter::apply(std::string& line) const
{
    std::string redacted;
    if (redactor_->redact(line, redacted))
        line.swap(redacted);
}

} // namespace portico::redaction
