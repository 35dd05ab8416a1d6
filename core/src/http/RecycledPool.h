#pragma once
/// The pool behind RecycledHeaderLists and RecycledAttributes: values from finished requests
/// kept for the next requests on the same event loop, so that their strings' buffers are
/// assigned into instead of allocated again.
///
/// One instance per event-loop thread (thread_local in Connection.cpp): connections take and
/// give only on their loop, so there is no lock. Bounded: at most `maxKept` values, and
/// `readyForReuse` turns away a value not worth keeping (one that an unusual request grew
/// large), which is then freed.

#include <cstddef>
#include <utility>
#include <vector>

namespace portico {

/// `readyForReuse(value)` resets a given value for the next request (nothing of the finished
/// one may show) and says whether to keep it.
template <typename Value, bool (*readyForReuse)(Value&)>
class RecycledPool
{
public:
    static constexpr std::size_t maxKept = 64;

    /// A kept value, reset by readyForReuse, or a new empty one.
    Value take()
    {
        if (kept_.empty())
            return Value();
        Value value = std::move(kept_.back());
        kept_.pop_back();
        return value;
    }

    /// Keeps `value` for a later take(), or frees it when the pool is full or readyForReuse
    /// turns it away.
    void give(Value&& value)
    {
        if (kept_.size() >= maxKept || !readyForReuse(value))
            return;
        kept_.push_back(std::move(value));
    }

private:
    std::vector<Value> kept_;
};

} // namespace portico
