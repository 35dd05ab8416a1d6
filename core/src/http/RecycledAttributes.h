#pragma once
/// Attribute values handed from finished requests to the next ones on the same event loop.
///
/// An Exchange's attributes are a vector with an entry per interned key, made on the first
/// set(), and values over 15 bytes are a malloc each (the trace id, the outgoing traceparent,
/// a principal): with the shipped chain, three or four mallocs and frees a request. A finished
/// request's vector goes back to its loop, and the next request's set() copies into the
/// strings it kept (Exchange::set).
///
/// Nothing carries over: every entry is marked absent when the vector is given back. A vector
/// whose values hold more than `maxRecycledAttributeBytes` (a request that set a large
/// attribute) is freed instead. The pool itself: RecycledPool.

#include "api/ExchangeControl.h"
#include "http/RecycledPool.h"
#include <cstddef>

namespace portico {

constexpr std::size_t maxRecycledAttributeBytes = 4096;

/// RecycledPool's policy for attribute values: every entry absent, kept when there are
/// entries and their buffers hold at most maxRecycledAttributeBytes.
inline bool attributesReadyForReuse(ExchangeControl::AttributeValues& values)
{
    if (values.empty())
        return false;
    std::size_t bytes = 0;
    for (const auto& attribute : values)
        bytes += attribute.value.capacity();
    if (bytes > maxRecycledAttributeBytes)
        return false;
    ExchangeControl::markAttributesAbsent(values);
    return true;
}

using RecycledAttributes = RecycledPool<ExchangeControl::AttributeValues, attributesReadyForReuse>;

} // namespace portico
