#pragma once
// A Redis reply holding a count (GET of a counter, HINCRBY's fields, a script's numbers as text):
// auth's Redis code reads them all this way.

#include "portico/RedisPool.h"
#include <cstdint>
#include <optional>
#include <string>

namespace portico::auth {

/// `text` (a replyText()) as a number; 0 for nil or empty. Throws RedisUnavailable for anything
/// else, naming it.
inline std::int64_t redisNumber(const std::optional<std::string>& text)
{
    if (!text || text->empty())
        return 0;
    try
    {
        return std::stoll(*text);
    }
    catch (const std::exception&)
    {
        throw RedisUnavailable("Redis answered '" + *text + "' where a number was expected", 0);
    }
}

} // namespace portico::auth
