#include "Exposition.h"
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sstream>

namespace portico::metrics {

std::string renderExposition(const prometheus::Registry& registry)
{
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry.Collect());
    return out.str();
}

} // namespace portico::metrics
