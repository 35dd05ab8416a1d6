#include "SqliteStore.h"
#include "Poco/Data/LOB.h"
#include "Poco/Data/SQLite/Connector.h"
#include "Poco/Data/Session.h"
#include "Poco/Data/Statement.h"
#include "Poco/Exception.h"
#include "Poco/File.h"
#include "Poco/NumberParser.h"
#include "Poco/Path.h"
#include "Poco/StringTokenizer.h"
#include <atomic>
#include <cerrno>
#include <csignal>
#include <random>
#include <unistd.h>

namespace kw = Poco::Data::Keywords;

namespace portico::idempotency {

namespace {

constexpr int StateInFlight = 0;
constexpr int StateCompleted = 1;

long long nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string randomNonce()
{
    std::random_device device;
    std::uniform_int_distribution<unsigned long long> distribution;
    static const char* hex = "0123456789abcdef";
    unsigned long long value = distribution(device);
    std::string out(16, '0');
    for (auto& c : out)
    {
        c = hex[value & 0xF];
        value >>= 4;
    }
    return out;
}

Poco::Data::BLOB toBlob(const std::string& bytes)
{
    return Poco::Data::BLOB(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string fromBlob(const Poco::Data::BLOB& blob)
{
    return blob.size() == 0 ? std::string() : std::string(reinterpret_cast<const char*>(blob.rawContent()), blob.size());
}

} // namespace

SqliteStore::Owner SqliteStore::Owner::self()
{
    static const Owner owner = [] {
        Owner result;
        char host[256] = {};
        if (gethostname(host, sizeof host - 1) == 0)
            result.host = host;
        result.pid = static_cast<long>(getpid());
        result.nonce = randomNonce();
        return result;
    }();
    return owner;
}

SqliteStore::SqliteStore(const std::string& path, bool synchronousFull, Owner owner)
    : path_(path), owner_(std::move(owner))
{
    const Poco::Path parent = Poco::Path(path).parent();
    if (!Poco::File(parent).exists() || !Poco::File(parent).isDirectory())
        throw Poco::FileNotFoundException("the directory " + parent.toString() + " does not exist");
    Poco::Data::SQLite::Connector::registerConnector();
    // Poco retries a failing open until the login timeout (60 s by default): keep it short.
    session_ = std::make_unique<Poco::Data::Session>("SQLite", path, 5);
    std::string mode;
    *session_ << "PRAGMA journal_mode = WAL", kw::into(mode), kw::now;
    if (mode != "wal")
        throw Poco::IOException("SQLite database " + path + " could not be switched to WAL mode (journal_mode is " +
                                mode + ")");
    execute("PRAGMA busy_timeout = 5000");
    setSynchronous(synchronousFull);
    execute("CREATE TABLE IF NOT EXISTS idempotency_entries ("
            " id TEXT PRIMARY KEY,"         // identityKey(principal, route, key)
            " fingerprint TEXT NOT NULL,"   // SHA-256 of the request body
            " state INTEGER NOT NULL,"      // 0 in flight, 1 completed
            " token TEXT NOT NULL,"         // the reservation while in flight, '' when completed
            " expires_at INTEGER NOT NULL," // unix milliseconds
            " status INTEGER,"
            " content_type TEXT,"
            " body BLOB)");
    execute("CREATE INDEX IF NOT EXISTS idempotency_entries_expiry ON idempotency_entries (expires_at)");
}

SqliteStore::~SqliteStore() = default;

void SqliteStore::execute(const std::string& sql)
{
    *session_ << sql, kw::now;
}

void SqliteStore::setSynchronous(bool full)
{
    std::lock_guard<std::mutex> lock(mutex_);
    execute(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
}

std::string SqliteStore::newToken()
{
    // Process-wide, so that two store objects on one file never hand out the same token.
    static std::atomic<unsigned long long> sequence{0};
    return owner_.host + "/" + std::to_string(owner_.pid) + "/" + owner_.nonce + "/" + std::to_string(++sequence);
}

bool SqliteStore::ownerIsGone(const std::string& token) const
{
    Poco::StringTokenizer parts(token, "/");
    if (parts.count() != 4 || parts[0] != owner_.host)
        return false; // another host (or an unreadable token): only the expiry can tell
    Poco::Int64 pid = 0;
    if (!Poco::NumberParser::tryParse64(parts[1], pid))
        return false;
    if (pid == owner_.pid)
        return parts[2] != owner_.nonce; // an earlier process that had our pid
    return kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

std::optional<SqliteStore::Row> SqliteStore::readRow(const std::string& key)
{
    Row row;
    Poco::Data::BLOB body;
    Poco::Data::Statement select(*session_);
    select << "SELECT fingerprint, state, token, expires_at, status, content_type, body"
              " FROM idempotency_entries WHERE id = ?",
        kw::bind(key), kw::into(row.fingerprint), kw::into(row.state), kw::into(row.token), kw::into(row.expiresAt),
        kw::into(row.answer.status), kw::into(row.answer.contentType), kw::into(body);
    if (select.execute() == 0)
        return std::nullopt;
    row.answer.body = fromBlob(body);
    return row;
}

bool SqliteStore::isLive(const Row& row, long long nowMillis) const
{
    return row.expiresAt > nowMillis && !(row.state == StateInFlight && ownerIsGone(row.token));
}

BeginResult SqliteStore::describe(Row row)
{
    BeginResult result;
    result.fingerprint = std::move(row.fingerprint);
    if (row.state == StateCompleted)
    {
        result.state = BeginResult::State::Completed;
        result.answer = std::move(row.answer);
    }
    else
        result.state = BeginResult::State::InFlight;
    return result;
}

BeginResult SqliteStore::reserve(const std::string& key, const std::string& fingerprint, Poco::Int64 expiresAt,
                                 bool replace)
{
    BeginResult result;
    result.state = BeginResult::State::Reserved;
    result.fingerprint = fingerprint;
    result.token = newToken();
    Poco::Data::Statement insert(*session_);
    insert << std::string(replace ? "INSERT OR REPLACE" : "INSERT OR IGNORE") +
                  " INTO idempotency_entries (id, fingerprint, state, token, expires_at, status, content_type, body)"
                  " VALUES (?, ?, 0, ?, ?, NULL, NULL, NULL)",
        kw::bind(key), kw::bind(fingerprint), kw::bind(result.token), kw::bind(expiresAt);
    if (insert.execute() == 0)
        result.token.clear(); // INSERT OR IGNORE met a row
    return result;
}

BeginResult SqliteStore::begin(const std::string& key, const std::string& fingerprint, Duration inFlightTtl)
{
    std::lock_guard<std::mutex> lock(mutex_);
    const long long nowMillis = nowMs();
    const Poco::Int64 expires = nowMillis + inFlightTtl.count();

    // Fast paths without a write transaction: a live row is the answer (a replay, a 409, a 422);
    // no row at all is reserved by one INSERT OR IGNORE, which another connection cannot win too.
    if (auto row = readRow(key))
    {
        if (isLive(*row, nowMillis))
            return describe(std::move(*row));
    }
    else
    {
        BeginResult reserved = reserve(key, fingerprint, expires, false);
        if (!reserved.token.empty())
            return reserved;
    }

    // A row that is expired, or held by a dead owner, or that another connection inserted a
    // moment ago: decide under the write lock, so that only one connection takes it over.
    execute("BEGIN IMMEDIATE");
    try
    {
        auto row = readRow(key);
        BeginResult result =
            row && isLive(*row, nowMillis) ? describe(std::move(*row)) : reserve(key, fingerprint, expires, true);
        execute("COMMIT");
        return result;
    }
    catch (...)
    {
        try
        {
            execute("ROLLBACK");
        }
        catch (...)
        {
        }
        throw;
    }
}

CompleteResult SqliteStore::complete(const std::string& key, const std::string& token, const StoredAnswer& answer,
                                     Duration ttl)
{
    std::lock_guard<std::mutex> lock(mutex_);
    const long long nowMillis = nowMs();
    const Poco::Int64 expires = nowMillis + ttl.count();
    const Poco::Int64 notExpired = nowMillis;
    Poco::Data::BLOB body = toBlob(answer.body);
    Poco::Data::Statement update(*session_);
    update << "UPDATE idempotency_entries SET state = 1, token = '', expires_at = ?, status = ?,"
              " content_type = ?, body = ? WHERE id = ? AND state = 0 AND token = ? AND expires_at > ?",
        kw::bind(expires), kw::bind(answer.status), kw::bind(answer.contentType), kw::use(body), kw::bind(key),
        kw::bind(token), kw::bind(notExpired);
    return update.execute() == 1 ? CompleteResult::Stored : CompleteResult::Lost;
}

void SqliteStore::release(const std::string& key, const std::string& token)
{
    std::lock_guard<std::mutex> lock(mutex_);
    *session_ << "DELETE FROM idempotency_entries WHERE id = ? AND state = 0 AND token = ?", kw::bind(key), kw::bind(token),
        kw::now;
}

std::optional<StoredEntry> SqliteStore::lookup(const std::string& key)
{
    std::lock_guard<std::mutex> lock(mutex_);
    const Poco::Int64 nowMillis = nowMs();
    std::string fingerprint;
    int state = StateInFlight;
    int status = 0;
    std::string contentType;
    Poco::Data::BLOB body;
    Poco::Data::Statement select(*session_);
    select << "SELECT fingerprint, state, status, content_type, body FROM idempotency_entries"
              " WHERE id = ? AND expires_at > ?",
        kw::bind(key), kw::bind(nowMillis), kw::into(fingerprint), kw::into(state), kw::into(status), kw::into(contentType), kw::into(body);
    if (select.execute() == 0)
        return std::nullopt;
    StoredEntry entry;
    entry.completed = state == StateCompleted;
    entry.fingerprint = fingerprint;
    if (entry.completed)
    {
        entry.answer.status = status;
        entry.answer.contentType = contentType;
        entry.answer.body = fromBlob(body);
    }
    return entry;
}

std::size_t SqliteStore::purge()
{
    std::lock_guard<std::mutex> lock(mutex_);
    const Poco::Int64 nowMillis = nowMs();
    Poco::Data::Statement purge(*session_);
    purge << "DELETE FROM idempotency_entries WHERE expires_at <= ?", kw::bind(nowMillis);
    return purge.execute();
}

} // namespace portico::idempotency
