#pragma once
/// Attribute values handed from finished requests to the next ones on the same event loop.
///
/// An Exchange's attributes are a vector with an entry per interned key, made on the first
/// set(), and values over 15 bytes are a malloc each (the trace id, the outgoing traceparent,
/// a principal): with the shipped chain, three or four mallocs and frees a request. A finished
/// request's vector goes back to its loop, and the next request's set() copies into the
/// strings it kept (Exchange::set). Nothing carries over: every entry is marked absent when
/// the vector is adopted (ExchangeControl::adoptAttributes).
///
/// One instance per event-loop thread (thread_local in Connection.cpp), like
/// RecycledHeaderLists: no lock. Bounded: at most `maxVectors` vectors, and a vector whose
/// values hold more than `maxBytes` (a request that set a large attribute) is freed instead.

#include "api/ExchangeControl.h"
#include <cstddef>
#include <utility>
#include <vector>

namespace portico {

class RecycledAttributes
{
public:
    using Values = ExchangeControl::AttributeValues;
    static constexpr std::size_t maxVectors = 64;
    static constexpr std::size_t maxBytes = 4096;

    /// Kept values (all to be marked absent by adoptAttributes), or an empty vector.
    Values take()
    {
        if (kept_.empty())
            return Values();
        Values values = std::move(kept_.back());
        kept_.pop_back();
        return values;
    }

    /// Keeps `values` for a later take(), or frees them when the pool is full or they hold
    /// more than maxBytes.
    void give(Values&& values)
    {
        if (values.empty() || kept_.size() >= maxVectors)
            return;
        std::size_t bytes = 0;
        for (const auto& attribute : values)
            bytes += attribute.value.capacity();
        if (bytes > maxBytes)
            return;
        kept_.push_back(std::move(values));
    }

private:
    std::vector<Values> kept_;
};

} // namespace portico
