#include "VirtualKeyStore.h"
#include "Poco/Data/SQLite/Connector.h"
#include "Poco/Data/Session.h"
#include "Poco/Data/Statement.h"
#include "Poco/DigestEngine.h"
#include "Poco/File.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Parser.h"
#include "Poco/Path.h"
#include "portico/Json.h"
#include <stdexcept>

namespace kw = Poco::Data::Keywords;

namespace portico::auth {

namespace {

std::string hexOf(const KeyStore::Digest& digest)
{
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (unsigned char byte : digest)
    {
        out += hex[byte >> 4];
        out += hex[byte & 0xF];
    }
    return out;
}

bool digestOfHex(const std::string& text, KeyStore::Digest& digest)
{
    if (text.size() != 64)
        return false;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < 32; ++i)
    {
        const int high = nibble(text[2 * i]), low = nibble(text[2 * i + 1]);
        if (high < 0 || low < 0)
            return false;
        digest[i] = static_cast<unsigned char>(high << 4 | low);
    }
    return true;
}

std::string modelsText(const std::vector<std::string>& models)
{
    std::string out = "[";
    for (std::size_t i = 0; i < models.size(); ++i)
        out += (i ? "," : "") + jsonString(models[i]);
    return out + "]";
}

std::vector<std::string> modelsOf(const std::string& text)
{
    std::vector<std::string> models;
    const auto array = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < array->size(); ++i)
        models.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
    return models;
}

/// The columns every query reads, in the order rowsOf() expects.
const char* const Columns = "id, models, rpm, max_in_flight, expires_at, revoked_at, created_at, metadata";

struct Rows
{
    std::vector<std::string> ids, models, metadata;
    std::vector<Poco::Int64> rpm, maxInFlight, expiresAt, revokedAt, createdAt;

    VirtualKey at(std::size_t i) const
    {
        VirtualKey key;
        key.id = ids[i];
        key.models = modelsOf(models[i]);
        key.rpm = rpm[i];
        key.maxInFlight = maxInFlight[i];
        key.expiresAt = expiresAt[i];
        key.revokedAt = revokedAt[i];
        key.createdAt = createdAt[i];
        key.metadata = metadata[i];
        return key;
    }
};

void bindRows(Poco::Data::Statement& statement, Rows& rows)
{
    statement, kw::into(rows.ids), kw::into(rows.models), kw::into(rows.rpm), kw::into(rows.maxInFlight),
        kw::into(rows.expiresAt), kw::into(rows.revokedAt), kw::into(rows.createdAt), kw::into(rows.metadata);
}

} // namespace

VirtualKeyStore::VirtualKeyStore(const std::string& path) : path_(path)
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
                     " metadata TEXT NOT NULL)",     // a JSON object
            kw::now;
    }
    catch (const std::exception& e)
    {
        throw std::runtime_error("cannot open the key store " + path + ": " + e.what());
    }
}

VirtualKeyStore::~VirtualKeyStore() = default;

void VirtualKeyStore::insert(const VirtualKey& key, const KeyStore::Digest& digest)
{
    std::string id = key.id, digestHex = hexOf(digest), models = modelsText(key.models), metadata = key.metadata;
    Poco::Int64 rpm = key.rpm, maxInFlight = key.maxInFlight, expiresAt = key.expiresAt, revokedAt = key.revokedAt,
                createdAt = key.createdAt;
    std::lock_guard<std::mutex> lock(mutex_);
    *session_ << "INSERT INTO virtual_keys (id, digest, models, rpm, max_in_flight, expires_at, revoked_at,"
                 " created_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        kw::use(id), kw::use(digestHex), kw::use(models), kw::use(rpm), kw::use(maxInFlight), kw::use(expiresAt),
        kw::use(revokedAt), kw::use(createdAt), kw::use(metadata), kw::now;
}

bool VirtualKeyStore::update(const VirtualKey& key)
{
    std::string id = key.id, models = modelsText(key.models), metadata = key.metadata;
    Poco::Int64 rpm = key.rpm, maxInFlight = key.maxInFlight, expiresAt = key.expiresAt;
    std::lock_guard<std::mutex> lock(mutex_);
    Poco::Data::Statement statement(*session_);
    statement << "UPDATE virtual_keys SET models = ?, rpm = ?, max_in_flight = ?, expires_at = ?, metadata = ?"
                 " WHERE id = ?",
        kw::use(models), kw::use(rpm), kw::use(maxInFlight), kw::use(expiresAt), kw::use(metadata), kw::use(id);
    return statement.execute() > 0;
}

bool VirtualKeyStore::revoke(const std::string& id, std::int64_t when)
{
    std::string keyId = id;
    Poco::Int64 at = when;
    std::lock_guard<std::mutex> lock(mutex_);
    Poco::Data::Statement statement(*session_);
    statement << "UPDATE virtual_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0", kw::use(at),
        kw::use(keyId);
    return statement.execute() > 0;
}

std::optional<VirtualKey> VirtualKeyStore::find(const std::string& id)
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

std::vector<VirtualKey> VirtualKeyStore::list()
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

std::vector<std::pair<KeyStore::Digest, VirtualKey>> VirtualKeyStore::loadAll()
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
        if (!digestOfHex(digests[i], digest))
            throw std::runtime_error("the key store " + path_ + " has a malformed digest for key " + rows.ids[i]);
        keys.emplace_back(digest, rows.at(i));
    }
    return keys;
}

std::int64_t VirtualKeyStore::dataVersion()
{
    Poco::Int64 version = 0;
    std::lock_guard<std::mutex> lock(mutex_);
    *session_ << "PRAGMA data_version", kw::into(version), kw::now;
    return version;
}

} // namespace portico::auth
