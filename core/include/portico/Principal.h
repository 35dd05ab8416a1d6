#pragma once
/// The rule for principal names (the first field of a keys-file line). One definition, shared
/// by `porticod --new-key` and the auth plugin, so the tool never writes a line auth refuses.

#include "portico/Api.h"
#include <string_view>

namespace portico {

/// 1 to 128 characters of [A-Za-z0-9._:@+-].
PORTICO_API bool validPrincipalName(std::string_view principal);

} // namespace portico
