#pragma once
/// The interface every idempotency store implements (memory, sqlite, later redis), and the
/// values that travel through it.
///
/// A store maps an identity (a string made by IdentityKey, see IdempotencyKey.h) to one entry
/// that is either an in-flight marker (a reservation held by the request that is running) or a
/// completed answer. Both expire: a completed answer after the plugin's ttl, an in-flight marker
/// after the in-flight ttl, so that a marker left by a crashed process never blocks a key for
/// ever. Every operation that changes an entry is atomic with respect to every other process or
/// thread using the same store: exactly one of any number of concurrent begin() calls for a free
/// key gets the reservation.
///
/// A reservation is identified by an opaque token that begin() returns. complete() and release()
/// only act while that token still holds the entry, so a request whose marker expired and was
/// taken over by another request can neither overwrite nor delete the newer one.
///
/// Stores are shared by every thread of the process (and across reloads): implementations are
/// thread-safe. They throw (a Poco::Exception or std::exception) when their backend fails.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace portico::idempotency {

/// What the handler answered: what is stored and what a replay sends back.
struct StoredAnswer
{
    int status = 0;
    std::string contentType;
    /// The body exactly as sent (for a stream: every chunk, concatenated).
    std::string body;
};

/// The result of IdempotencyStore::begin().
struct BeginResult
{
    enum class State
    {
        Reserved,  ///< the key was free: the caller holds it now (see `token`)
        InFlight,  ///< another request holds it and has not finished
        Completed  ///< an answer is stored (see `answer`)
    };

    State state = State::Reserved;
    /// The fingerprint of the request that owns the entry (for Reserved: the caller's own).
    std::string fingerprint;
    /// Reserved only: the reservation, to pass to complete() or release().
    std::string token;
    /// Completed only: the stored answer.
    StoredAnswer answer;
};

/// A live entry as lookup() sees it.
struct StoredEntry
{
    bool completed = false;
    std::string fingerprint;
    /// Empty while in flight.
    StoredAnswer answer;
};

/// The result of IdempotencyStore::complete().
enum class CompleteResult
{
    Stored,   ///< the answer replaced the reservation
    TooLarge, ///< the store cannot hold an answer this large; the reservation was released
    Lost      ///< the token no longer holds the entry (it expired and was taken over, or was released)
};

class IdempotencyStore
{
public:
    using Duration = std::chrono::milliseconds;

    virtual ~IdempotencyStore() = default;

    /// "memory", "sqlite", ... (for logs).
    virtual std::string kind() const = 0;

    /// Atomically: when `key` has no live entry (none, or an expired one), reserves it for the
    /// caller with an in-flight marker carrying `fingerprint` that expires after `inFlightTtl`,
    /// and returns Reserved with a fresh token. Otherwise returns the live entry's state and
    /// fingerprint (and the stored answer when it is Completed).
    virtual BeginResult begin(const std::string& key, const std::string& fingerprint, Duration inFlightTtl) = 0;

    /// Replaces the reservation held by `token` with `answer`, kept for `ttl`.
    virtual CompleteResult complete(const std::string& key, const std::string& token, const StoredAnswer& answer,
                                    Duration ttl) = 0;

    /// Removes the in-flight marker if `token` still holds it; does nothing otherwise (a stored
    /// answer is never removed by release()).
    virtual void release(const std::string& key, const std::string& token) = 0;

    /// The live (not expired) entry for `key`, if any. Does not change it.
    virtual std::optional<StoredEntry> lookup(const std::string& key) = 0;

    /// Removes every expired entry (answers and in-flight markers); returns how many went.
    virtual std::size_t purge() = 0;

    /// Empty when the store can serve; otherwise why not (for /readyz). The redis store reports
    /// an unreachable server here.
    virtual std::string notReadyReason() const { return {}; }
};

} // namespace portico::idempotency
