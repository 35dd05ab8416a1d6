#pragma once
// The small pieces of HTTP syntax the cors plugin needs: tokens (method and header names),
// Vary lists, and the header names a preflight asks for.

#include "portico/HeaderList.h"
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::cors {

/// An RFC 9110 token: one or more tchar (letters, digits and !#$%&'*+-.^_`|~).
bool isToken(std::string_view text);

/// Adds `name` to the answer's Vary: appended to an existing Vary (which keeps its place and
/// its other names), nothing when the name or "*" is already there, a new header otherwise.
void appendVary(HeaderList& headers, std::string_view name);

/// The names of Access-Control-Request-Headers ("authorization,content-type"), each trimmed and
/// in lowercase, joined with ", ". Nothing when the value is empty or any name is not a token:
/// a malformed request gets no Access-Control-Allow-Headers at all, never its own text back.
std::optional<std::string> reflectedHeaders(std::string_view requested);

/// `items` joined with ", ".
std::string joinList(const std::vector<std::string>& items);

} // namespace portico::cors
