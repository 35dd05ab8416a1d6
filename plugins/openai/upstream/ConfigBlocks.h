#pragma once
/// Config keys of the shape <prefix>.<id>.<field> (upstreams.<name>.*, models.<id>.*,
/// deployments.<id>.*, passthrough.<id>.*): the id rule and the reader of the ids.

#include "portico/PluginConfig.h"
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace portico::openai {

/// An id of a config block: letters, digits, '_' and '-', not empty.
bool isConfigId(std::string_view id);

/// The ids of the blocks below `prefix` ("models" -> the <id>s of models.<id>.<field>), in the
/// order Poco lists the keys (alphabetical for INI and XML files), each checked to be an id
/// with known `fields` only; throws ConfigError naming the key otherwise. `idHint` is added to
/// the message for a bad id. Marks the keys read.
std::vector<std::string> blockIds(const PluginConfig& config, const std::string& prefix,
                                  const std::set<std::string>& fields, const std::string& idHint = "");

} // namespace portico::openai
