// metrics' part of the OpenAPI document: the Prometheus exposition route.
#include "MetricsPlugin.h"

namespace portico::metrics {

void MetricsPlugin::describeApi(ApiDescription& api) const
{
    api.addOperation("GET", config_.path, R"({
        "operationId": "getMetrics",
        "summary": "Prometheus metrics of the process and every plugin (text exposition format 0.0.4).",
        "tags": ["metrics"],
        "responses": {
            "200": {
                "description": "The metrics.",
                "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}}
            }
        }
    })");
}

} // namespace portico::metrics
