#pragma once
/// Header lists handed from finished requests to the next ones on the same event loop.
///
/// Every request has two HeaderLists (its head's and its answer's), and their strings over
/// 15 bytes are a malloc and a free each: about 20 per request on /v1/models with the shipped
/// chain (security headers, rate limits, ids, an Authorization value). A cleared HeaderList
/// keeps its strings (see HeaderList), so a list that goes back to the loop when its request
/// ends, and into the next request's Exchange, assigns into buffers that are already there.
///
/// One instance per event-loop thread (thread_local in Connection.cpp): connections take and
/// give only on their loop, so there is no lock. Bounded: at most `maxLists` lists of at most
/// `maxSlots` entries are kept (a list that an unusual request grew large is freed instead).

#include "portico/HeaderList.h"
#include <cstddef>
#include <utility>
#include <vector>

namespace portico {

class RecycledHeaderLists
{
public:
    static constexpr std::size_t maxLists = 64;
    static constexpr std::size_t maxSlots = 48;

    /// A cleared list, with kept entries when one is there.
    HeaderList take()
    {
        if (lists_.empty())
            return HeaderList();
        HeaderList list = std::move(lists_.back());
        lists_.pop_back();
        return list;
    }

    /// Keeps `list`'s entries for a later take(), or frees them when the pool is full or the
    /// list is too large to be worth keeping.
    void give(HeaderList&& list)
    {
        if (list.slots() == 0 || list.slots() > maxSlots || lists_.size() >= maxLists)
            return;
        list.clear();
        lists_.push_back(std::move(list));
    }

private:
    std::vector<HeaderList> lists_;
};

} // namespace portico
