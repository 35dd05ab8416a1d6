#pragma once
// Assembles the OpenAPI 3.1 document of a chain: the core's description, then each plugin's
// (Plugin::describeApi, in chain order), then the rules (headers, responses, security) applied
// to every operation they select. Only routes registered in the chain are described; a
// registered route that no plugin describes still appears, marked x-portico-undescribed.

#include <string>

namespace portico {

class Chain;

class OpenApiDocument
{
public:
    /// The document as canonical JSON text (see CanonicalJson.h). Throws std::runtime_error
    /// naming the plugin whose description is broken (bad JSON, a duplicate operation, ...).
    static std::string build(const Chain& chain);
};

} // namespace portico
