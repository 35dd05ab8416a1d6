#pragma once
// Reads the credential out of an `Authorization: Bearer <token>` header (RFC 6750 section 2.1).

#include <optional>
#include <string_view>

namespace portico::auth {

/// The token of a Bearer credential: the scheme is matched case-insensitively, spaces or tabs
/// separate it from the token, trailing whitespace is dropped. Nothing when the header is empty,
/// uses another scheme (Basic, ...) or has no token.
std::optional<std::string_view> bearerToken(std::string_view header);

} // namespace portico::auth
