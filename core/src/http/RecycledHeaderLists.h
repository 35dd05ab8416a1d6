#pragma once
/// Header lists handed from finished requests to the next ones on the same event loop.
///
/// Every request has two HeaderLists (its head's and its answer's), and their strings over
/// 15 bytes are a malloc and a free each: about 20 per request on /v1/models with the shipped
/// chain (security headers, rate limits, ids, an Authorization value). A cleared HeaderList
/// keeps its strings (see HeaderList), so a list that goes back to the loop when its request
/// ends, and into the next request's Exchange, assigns into buffers that are already there.
///
/// A list is kept cleared; one with more than `maxRecycledHeaderSlots` entries (a list that an
/// unusual request grew large) is freed instead. The pool itself: RecycledPool.

#include "http/RecycledPool.h"
#include "portico/HeaderList.h"
#include <cstddef>

namespace portico {

constexpr std::size_t maxRecycledHeaderSlots = 48;

/// RecycledPool's policy for header lists: cleared, and kept when it has 1 to
/// maxRecycledHeaderSlots entries.
inline bool headerListReadyForReuse(HeaderList& list)
{
    if (list.slots() == 0 || list.slots() > maxRecycledHeaderSlots)
        return false;
    list.clear();
    return true;
}

using RecycledHeaderLists = RecycledPool<HeaderList, headerListReadyForReuse>;

} // namespace portico
