#include "AdminConfig.h"
#include "Poco/AutoPtr.h"
#include "Poco/String.h"
#include <fstream>
#include <sstream>
#include "Poco/Util/AbstractConfiguration.h"

namespace portico::auth {

AdminConfig AdminConfig::from(const PluginConfig& auth)
{
    // PluginConfig reads a section with the file-naming errors and the unknown-key check; the
    // whole configuration is shared, not copied.
    auto& global = const_cast<Poco::Util::AbstractConfiguration&>(auth.global());
    const PluginConfig admin(Poco::AutoPtr<Poco::Util::AbstractConfiguration>(&global, true), "admin",
                             auth.source());
    AdminConfig config;
    Poco::Util::AbstractConfiguration::Keys keys;
    global.keys("admin", keys);
    config.enabled = !keys.empty();
    config.servesApi = admin.has("listen");
    admin.getString("listen", ""); // the core's (it opens the listener), read here for the check below
    config.keyFile = admin.getString("key_file", config.keyFile);
    config.store = admin.getString("store", config.store);
    config.redisStore = config.store == "redis";
    config.refreshMs = static_cast<int>(admin.getInt("refresh_ms", config.refreshMs, 50, 60'000));
    config.prices = PriceTable::from(admin);
    const std::string counters = admin.getString("counters", config.redisStore ? "redis" : "local");
    if (counters != "local" && counters != "redis")
        throw admin.error("counters", "must be local or redis, not '" + counters + "'");
    config.redisCounters = counters == "redis";
    if (config.redisStore || config.redisCounters)
        config.redis = redisPool(auth);
    const auto unread = admin.unreadKeys();
    if (!unread.empty())
        throw admin.error(unread.front(), "unknown key (known: listen, key_file, store, refresh_ms, counters, prices.<model>.input, "
                                               "prices.<model>.cached_input, prices.<model>.output)");
    if (config.servesApi && config.keyFile.empty())
        throw admin.error("key_file", "must name the admin key's file");
    if (config.enabled && config.store.empty())
        throw admin.error("store", "must name the virtual keys' SQLite file, or be redis");
    return config;
}

KeyStore::Digest readAdminKeyDigest(const std::string& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read the admin key file " + file);
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().size() > 4096)
        throw std::runtime_error("the admin key file " + file + " is too large (one key is expected)");
    const std::string key = Poco::trim(text.str());
    if (key.compare(0, 7, "sha256:") == 0)
    {
        // The keys file's format, so `porticod --hash-key` can write it (without the name).
        const KeyStore parsed = KeyStore::parse("admin " + key + "\n", file);
        return parsed.entries().front().digest;
    }
    if (key.size() < 32 || key.find_first_of(" \t\r\n") != std::string::npos)
        throw std::runtime_error("the admin key in " + file +
                                 " must be one line of at least 32 characters (porticod --new-key=admin makes one)");
    return KeyStore::digestOf(key);
}

} // namespace portico::auth
