#pragma once
// Where token buckets live. The memory store keeps them in this process; a Redis store (issue 7)
// will keep them in Redis so that a fleet of porticod shares one set of limits. The interface is
// shaped for that: one call per decision, atomic over every bucket it names (a single Lua
// script in Redis), limits passed with each call (the store holds state only, so a reload that
// changes a limit applies at once), and the time taken from the store's own clock.

#include "TokenBucket.h"
#include <optional>
#include <string>

namespace portico::ratelimit {

/// One bucket touched by a decision: its key, its shape and what to take from it.
struct BucketCharge
{
    std::string key;
    BucketLimit limit;
    double cost = 0;
};

/// Which limit refused a request.
enum class LimitKind
{
    Requests,
    Tokens
};

/// A decision over a request bucket and, when a token limit applies, a token bucket.
struct AcquireRequest
{
    BucketCharge requests;
    std::optional<BucketCharge> tokens;
};

struct Decision
{
    bool allowed = false;
    /// Meaningful when !allowed. Requests wins when both are short.
    LimitKind refusedBy = LimitKind::Requests;
    /// When !allowed: seconds until every named bucket could supply its cost.
    double retryAfterSeconds = 0;
    /// Each bucket as it stands after the decision.
    BucketView requests;
    std::optional<BucketView> tokens;
    /// True when a token cost exceeds the token bucket's capacity: it can never pass.
    bool tokensOverCapacity = false;
};

class BucketStore
{
public:
    virtual ~BucketStore() = default;

    /// Takes every cost, or none when any bucket is short. Exact under concurrency.
    virtual Decision acquire(const AcquireRequest& request) = 0;

    /// Settles a reservation: adds `charge.cost` tokens back (negative: takes more, possibly
    /// into debt). Returns the bucket as it stands afterwards.
    virtual BucketView settle(const BucketCharge& charge) = 0;

    /// Empty when the store can serve; otherwise why not (for /readyz).
    virtual std::string notReadyReason() const { return {}; }
};

} // namespace portico::ratelimit
