// security's part of the OpenAPI document: its headers on every answer, with their configured values.
#include "SecurityPlugin.h"
#include "portico/Json.h"

namespace portico::security {

void SecurityPlugin::describeApi(ApiDescription& api) const
{
    for (const auto& header : config_.headers)
        api.addResponseHeader(header.name,
                              "{\"description\": \"Set by the security plugin (a value the handler set is kept).\", "
                              "\"schema\": {\"type\": \"string\", \"examples\": [" +
                                  jsonString(header.value) + "]}}",
                              "*");
}

} // namespace portico::security
