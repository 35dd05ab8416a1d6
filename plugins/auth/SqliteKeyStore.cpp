#include "SqliteKeyStore.h"
#include "Poco/Data/SQLite/Connector.h"
#include "Poco/Data/Session.h"
#include "Poco/Data/Statement.h"
#include "Poco/DigestEngine.h"
#include "Poco/File.h"
#include "Poco/Path.h"
#include <stdexcept>

namespace kw = Poco::Data::Keywords;

namespace portico::auth {

namespace {

/// The columns every query reads, in the order bindRows() binds them.
const char* const Columns =
    "id, models, rpm, max_in_flight, expires_at, revoked_at, created_at, metadata, budget_micros, budget_period, tpm";

struct Rows
{
    std::vector<std::string> ids, models, metadata, budgetPeriod;
    std::vector<Poco::Int64> rpm, maxInFlight, expiresAt, revokedAt, createdAt, budgetMicros, tpm;

    VirtualKey at(std::size_t i) const
    {
        VirtualKey key;
        key.id = ids[i];
        key.models = modelsFromJson(models[i]);
        key.rpm = rpm[i];
        key.maxInFlight = maxInFlight[i];
        key.expiresAt = expiresAt[i];
        key.revokedAt = revokedAt[i];
        key.createdAt = createdAt[i];
        key.metadata = metadata[i];
        key.budgetMicros = budgetMicros[i];
        key.budgetPeriod = budgetPeriodNamed(budgetPeriod[i]);
        key.tpm = tpm[i];
        return key;
    }
};

void bindRows(Poco::Data::Statement& statement, Rows& rows)
{
    statement, kw::into(rows.ids), kw::into(rows.models), kw::into(rows.rpm), kw::into(rows.maxInFlight),
        kw::into(rows.expiresAt), kw::into(rows.revokedAt), kw::into(rows.createdAt), kw::into(rows.metadata),
        kw::into(rows.budgetMicros), kw::into(rows.budgetPeriod), kw::into(rows.tpm);
}

} // namespace

SqliteKeyStore::SqliteKeyStore(const std::string& path) : path_(path)
{
    const Poco::Path parent = Poco::Path(path).parent();
    if (!Poco::File(parent).exists() || !Poco::File(parent).isDirectory())
        throw std::runtime_error("cannot open the key store " + path + ": the directory " + parent.toString() +
                                 " does not exist");
    try
    {
        Poco::Data::SQLite::Connector::registerConnector();
        session_ = std::make_unique<Poco::Data::Session>("SQLite", path, 5);
        std::string mode;
        *session_ << "PRAGMA journal_mode = WAL", kw::into(mode), kw::now;
        if (mode != "wal")
            throw std::runtime_error("it could not be switched to WAL mode (journal_mode is " + mode + ")");
        *session_ << "PRAGMA busy_timeout = 5000", kw::now;
        // A change the admin API has answered must survive a power cut: FULL syncs each commit.
        *session_ << "PRAGMA synchronous = FULL", kw::now;
        *session_ << "CREATE TABLE IF NOT EXISTS virtual_keys ("
                     " id TEXT PRIMARY KEY,"
                     " digest TEXT NOT NULL UNIQUE," // SHA-256 of the key, 64 lowercase hex
                     " models TEXT NOT NULL,"        // a JSON array of names and globs
                     " rpm INTEGER NOT NULL,"
                     " max_in_flight INTEGER NOT NULL,"
                     " expires_at INTEGER NOT NULL," // unix seconds, 0: never
                     " revoked_at INTEGER NOT NULL," // unix seconds, 0: not revoked
                     " created_at INTEGER NOT NULL,"
                     " metadata TEXT NOT NULL,"      // a JSON object
                     " budget_micros INTEGER NOT NULL," // micro-dollars per budget_period, 0: none
                     " budget_period TEXT NOT NULL,"    // total, day, week, month
                     " tpm INTEGER NOT NULL)",
            kw::now;
        // Bumped by every change to virtual_keys, in the same transaction: what other
        // instances watch (SQLite's data_version also moves with every spend row).
        *session_ << "CREATE TABLE IF NOT EXISTS virtual_keys_revision ("
                     " id INTEGER PRIMARY KEY CHECK (id = 0), revision INTEGER NOT NULL)",
            kw::now;
        *session_ << "INSERT OR IGNORE INTO virtual_keys_revision (id, revision) VALUES (0, 0)", kw::now;
        // The spend ledger: per key, model and UTC day; cost in pico-dollars (Money.h).
        *session_ << "CREATE TABLE IF NOT EXISTS spend ("
                     " key_id TEXT NOT NULL, model TEXT NOT NULL, day TEXT NOT NULL,"
                     " requests INTEGER NOT NULL, input_tokens INTEGER NOT NULL,"
                     " output_tokens INTEGER NOT NULL, cost_pico INTEGER NOT NULL,"
                     " cached_input_tokens INTEGER NOT NULL DEFAULT 0,"
                     " PRIMARY KEY (key_id, model, day))",
            kw::now;
        // A store made before cached input was priced: the column is added, 0 for old rows.
        int cachedColumn = 0;
        *session_ << "SELECT COUNT(*) FROM pragma_table_info('spend') WHERE name = 'cached_input_tokens'",
            kw::into(cachedColumn), kw::now;
        if (cachedColumn == 0)
            *session_ << "ALTER TABLE spend ADD COLUMN cached_input_tokens INTEGER NOT NULL DEFAULT 0", kw::now;
    }
    catch (const std::exception& e)
    {
        throw std::runtime_error("cannot open the key store " + path + ": " + e.what());
    }
}

SqliteKeyStore::~SqliteKeyStore() = default;

void SqliteKeyStore::rollback() noexcept
{
    try
    {
        *session_ << "ROLLBACK", kw::now;
    }
    catch (...)
    {
        // SQLite has rolled the transaction back itself (an I/O error, a full disk).
    }
}

template <typename Change>
bool SqliteKeyStore::changeKeys(Change change)
{
    std::lock_guard<std::mutex> lock(mutex_);
    // IMMEDIATE: the write lock is taken (or waited for, busy_timeout) at once, never upgraded
    // later, which in WAL mode could fail at once with SQLITE_BUSY.
    *session_ << "BEGIN IMMEDIATE", kw::now;
    try
    {
        const bool changed = change();
        if (changed)
            *session_ << "UPDATE virtual_keys_revision SET revision = revision + 1 WHERE id = 0", kw::now;
        *session_ << "COMMIT", kw::now;
        return changed;
    }
    catch (...)
    {
        rollback();
        throw;
    }
}

void SqliteKeyStore::insert(const VirtualKey& key, const KeyStore::Digest& digest)
{
    std::string id = key.id, digestHex = KeyStore::hexOf(digest), models = modelsToJson(key.models), metadata = key.metadata,
                period = budgetPeriodName(key.budgetPeriod);
    Poco::Int64 rpm = key.rpm, maxInFlight = key.maxInFlight, expiresAt = key.expiresAt, revokedAt = key.revokedAt,
                createdAt = key.createdAt, budget = key.budgetMicros, tpm = key.tpm;
    changeKeys([&] {
        *session_ << "INSERT INTO virtual_keys (id, digest, models, rpm, max_in_flight, expires_at, revoked_at,"
                     " created_at, metadata, budget_micros, budget_period, tpm)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            kw::use(id), kw::use(digestHex), kw::use(models), kw::use(rpm), kw::use(maxInFlight),
            kw::use(expiresAt), kw::use(revokedAt), kw::use(createdAt), kw::use(metadata), kw::use(budget),
            kw::use(period), kw::use(tpm), kw::now;
        return true;
    });
}

bool SqliteKeyStore::update(const VirtualKey& key)
{
    std::string id = key.id, models = modelsToJson(key.models), metadata = key.metadata,
                period = budgetPeriodName(key.budgetPeriod);
    Poco::Int64 rpm = key.rpm, maxInFlight = key.maxInFlight, expiresAt = key.expiresAt, budget = key.budgetMicros,
                tpm = key.tpm;
    return changeKeys([&] {
        Poco::Data::Statement statement(*session_);
        statement << "UPDATE virtual_keys SET models = ?, rpm = ?, max_in_flight = ?, expires_at = ?, metadata = ?,"
                     " budget_micros = ?, budget_period = ?, tpm = ? WHERE id = ?",
            kw::use(models), kw::use(rpm), kw::use(maxInFlight), kw::use(expiresAt), kw::use(metadata),
            kw::use(budget), kw::use(period), kw::use(tpm), kw::use(id);
        return statement.execute() > 0;
    });
}

bool SqliteKeyStore::revoke(const std::string& id, std::int64_t when)
{
    std::string keyId = id;
    Poco::Int64 at = when;
    return changeKeys([&] {
        Poco::Data::Statement statement(*session_);
        statement << "UPDATE virtual_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0", kw::use(at),
            kw::use(keyId);
        return statement.execute() > 0;
    });
}

std::int64_t SqliteKeyStore::revision()
{
    Poco::Int64 revision = 0;
    std::lock_guard<std::mutex> lock(mutex_);
    *session_ << "SELECT revision FROM virtual_keys_revision WHERE id = 0", kw::into(revision), kw::now;
    return revision;
}

void SqliteKeyStore::recordSpend(const std::vector<SpendEntry>& entries)
{
    std::lock_guard<std::mutex> lock(mutex_);
    *session_ << "BEGIN IMMEDIATE", kw::now;
    try
    {
        for (const auto& entry : entries)
        {
            std::string keyId = entry.keyId, model = entry.model, day = entry.day;
            Poco::Int64 input = entry.inputTokens, output = entry.outputTokens, cost = entry.costPico,
                        cached = entry.cachedInputTokens;
            *session_ << "INSERT INTO spend (key_id, model, day, requests, input_tokens, output_tokens, cost_pico,"
                         " cached_input_tokens)"
                         " VALUES (?, ?, ?, 1, ?, ?, ?, ?) ON CONFLICT (key_id, model, day) DO UPDATE SET"
                         " requests = requests + 1, input_tokens = input_tokens + excluded.input_tokens,"
                         " output_tokens = output_tokens + excluded.output_tokens,"
                         " cost_pico = cost_pico + excluded.cost_pico,"
                         " cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens",
                kw::use(keyId), kw::use(model), kw::use(day), kw::use(input), kw::use(output), kw::use(cost),
                kw::use(cached), kw::now;
        }
        *session_ << "COMMIT", kw::now;
    }
    catch (...)
    {
        rollback();
        throw;
    }
}

std::unordered_map<std::string, std::int64_t> SqliteKeyStore::spendSince(const std::string& firstDay)
{
    std::string since = firstDay;
    std::vector<std::string> ids;
    std::vector<Poco::Int64> costs;
    std::lock_guard<std::mutex> lock(mutex_);
    *session_ << "SELECT key_id, SUM(cost_pico) FROM spend WHERE day >= ? GROUP BY key_id", kw::use(since),
        kw::into(ids), kw::into(costs), kw::now;
    std::unordered_map<std::string, std::int64_t> spend;
    for (std::size_t i = 0; i < ids.size(); ++i)
        spend.emplace(ids[i], costs[i]);
    return spend;
}

std::vector<SpendRow> SqliteKeyStore::spendRows(const SpendFilter& filter)
{
    // Empty filter fields match everything: "" <= day, day <= "9999-12-31".
    std::string keyId = filter.keyId, model = filter.model, from = filter.fromDay,
                to = filter.toDay.empty() ? std::string("9999-12-31") : filter.toDay;
    std::vector<std::string> ids, models, days;
    std::vector<Poco::Int64> requests, input, output, cost, cached;
    std::lock_guard<std::mutex> lock(mutex_);
    *session_ << "SELECT key_id, model, day, requests, input_tokens, output_tokens, cost_pico, cached_input_tokens"
                 " FROM spend"
                 " WHERE (? = '' OR key_id = ?) AND (? = '' OR model = ?) AND day >= ? AND day <= ?"
                 " ORDER BY day, key_id, model",
        kw::use(keyId), kw::use(keyId), kw::use(model), kw::use(model), kw::use(from), kw::use(to), kw::into(ids),
        kw::into(models), kw::into(days), kw::into(requests), kw::into(input), kw::into(output), kw::into(cost),
        kw::into(cached), kw::now;
    std::vector<SpendRow> rows;
    rows.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
    {
        SpendRow row;
        row.keyId = ids[i];
        row.model = models[i];
        row.day = days[i];
        row.inputTokens = input[i];
        row.outputTokens = output[i];
        row.cachedInputTokens = cached[i];
        row.costPico = cost[i];
        row.requests = requests[i];
        rows.push_back(std::move(row));
    }
    return rows;
}

std::optional<VirtualKey> SqliteKeyStore::find(const std::string& id)
{
    std::string keyId = id;
    Rows rows;
    std::lock_guard<std::mutex> lock(mutex_);
    Poco::Data::Statement statement(*session_);
    statement << "SELECT " << Columns << " FROM virtual_keys WHERE id = ?", kw::use(keyId);
    bindRows(statement, rows);
    statement.execute();
    if (rows.ids.empty())
        return std::nullopt;
    return rows.at(0);
}

std::vector<VirtualKey> SqliteKeyStore::list()
{
    Rows rows;
    std::lock_guard<std::mutex> lock(mutex_);
    Poco::Data::Statement statement(*session_);
    statement << "SELECT " << Columns << " FROM virtual_keys ORDER BY created_at, id";
    bindRows(statement, rows);
    statement.execute();
    std::vector<VirtualKey> keys;
    keys.reserve(rows.ids.size());
    for (std::size_t i = 0; i < rows.ids.size(); ++i)
        keys.push_back(rows.at(i));
    return keys;
}

std::vector<std::pair<KeyStore::Digest, VirtualKey>> SqliteKeyStore::loadAll()
{
    Rows rows;
    std::vector<std::string> digests;
    std::lock_guard<std::mutex> lock(mutex_);
    Poco::Data::Statement statement(*session_);
    statement << "SELECT " << Columns << ", digest FROM virtual_keys";
    bindRows(statement, rows);
    statement, kw::into(digests);
    statement.execute();
    std::vector<std::pair<KeyStore::Digest, VirtualKey>> keys;
    keys.reserve(rows.ids.size());
    for (std::size_t i = 0; i < rows.ids.size(); ++i)
    {
        KeyStore::Digest digest{};
        if (!KeyStore::parseDigest(digests[i], digest))
            throw std::runtime_error("the key store " + path_ + " has a malformed digest for key " + rows.ids[i]);
        keys.emplace_back(digest, rows.at(i));
    }
    return keys;
}


} // namespace portico::auth
