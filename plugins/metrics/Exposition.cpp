#include "Exposition.h"
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <iterator>
#include <sstream>

namespace portico::metrics {

std::string renderExposition(const prometheus::Registry& registry,
                             const std::vector<const prometheus::Collectable*>& more)
{
    std::vector<prometheus::MetricFamily> families = registry.Collect();
    for (const prometheus::Collectable* collectable : more)
    {
        auto collected = collectable->Collect();
        families.insert(families.end(), std::make_move_iterator(collected.begin()),
                        std::make_move_iterator(collected.end()));
    }
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, families);
    return out.str();
}

} // namespace portico::metrics
