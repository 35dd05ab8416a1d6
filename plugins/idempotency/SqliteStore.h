#pragma once
/// The durable idempotency store: one SQLite database file (Poco::Data::SQLite) in WAL mode, so
/// that stored answers survive a restart and a kill -9 (with synchronous = NORMAL a committed
/// transaction is lost only by a power failure; FULL makes it survive that too).
///
/// Atomicity: begin() reserves a free key with one INSERT OR IGNORE and takes over an expired or
/// abandoned row inside a BEGIN IMMEDIATE transaction, so two processes sharing the file cannot
/// both reserve one key; within the process one mutex serialises the single connection. A key
/// that has a live row (a replay, a 409) costs one SELECT and no write.
///
/// In-flight markers left by a crashed process: every reservation token names its owner
/// (host, pid and a per-process nonce). When begin() meets a live marker whose owner is known to
/// be gone — same host and either the same pid with another nonce (we are its restart) or a pid
/// that no longer exists — the marker is taken over at once. Otherwise (another host, or a pid
/// that exists) the marker's expiry (in_flight_ttl_seconds) is what frees it.

#include "IdempotencyStore.h"
#include "Poco/Types.h"
#include <memory>
#include <mutex>

namespace Poco::Data {
class Session;
}

namespace portico::idempotency {

class SqliteStore : public IdempotencyStore
{
public:
    /// Who holds reservations made through this store object.
    struct Owner
    {
        std::string host;
        long pid = 0;
        std::string nonce;

        /// This process: gethostname(), getpid() and a random nonce drawn once per process.
        static Owner self();
    };

    /// Opens (creating if needed) the database at `path`. Throws when it cannot be opened,
    /// switched to WAL mode or given its table.
    SqliteStore(const std::string& path, bool synchronousFull, Owner owner = Owner::self());
    ~SqliteStore() override;

    const std::string& path() const { return path_; }
    /// PRAGMA synchronous = FULL (true) or NORMAL (false); a reload may change it.
    void setSynchronous(bool full);

    std::string kind() const override { return "sqlite"; }
    BeginResult begin(const std::string& key, const std::string& fingerprint, Duration inFlightTtl) override;
    CompleteResult complete(const std::string& key, const std::string& token, const StoredAnswer& answer,
                            Duration ttl) override;
    void release(const std::string& key, const std::string& token) override;
    std::optional<StoredEntry> lookup(const std::string& key) override;
    std::size_t purge() override;

private:
    /// "host/pid/nonce/sequence".
    std::string newToken();
    /// True when the token's owner is known to be gone (see the class comment).
    bool ownerIsGone(const std::string& token) const;
    /// One row of the table, as read. Caller holds the mutex (for all the helpers below).
    struct Row
    {
        std::string fingerprint;
        int state = 0;
        std::string token;
        Poco::Int64 expiresAt = 0;
        StoredAnswer answer;
    };
    std::optional<Row> readRow(const std::string& key);
    bool isLive(const Row& row, long long nowMillis) const;
    static BeginResult describe(Row row);
    /// Inserts an in-flight marker (OR REPLACE, or OR IGNORE: then an empty token when a row
    /// was already there).
    BeginResult reserve(const std::string& key, const std::string& fingerprint, Poco::Int64 expiresAt, bool replace);
    void execute(const std::string& sql);

    std::string path_;
    Owner owner_;
    std::mutex mutex_;
    std::unique_ptr<Poco::Data::Session> session_;
};

} // namespace portico::idempotency
