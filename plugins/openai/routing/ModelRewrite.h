#pragma once
/// The request body a deployment gets: the client's JSON object with its top-level "model" set
/// to the deployment's model name, every other byte as the client sent it.

#include <cstddef>
#include <string>
#include <string_view>

namespace portico::openai {

/// `body` (a JSON object the plugin has already accepted) with "model" set to `model` (added
/// when the body has none). Spliced in place when JsonObjectScanner finds at most one plain
/// "model" member; otherwise (escaped keys, duplicates, anything unusual) parsed with Poco and
/// written back, which keeps the meaning but not the formatting. `maxDepth` as for the parse.
std::string withModel(std::string_view body, const std::string& model, std::size_t maxDepth);

} // namespace portico::openai
