// [redis]: url, password_file, timeouts and pool size, validated with errors that name the key.

#include "portico/RedisPool.h"
#include "Poco/DigestEngine.h"
#include "Poco/NumberParser.h"
#include "Poco/SHA2Engine.h"
#include "Poco/String.h"
#include <fstream>
#include <sstream>

namespace portico {

namespace {

constexpr const char* Scheme = "redis://";

void parseUrl(const PluginConfig& section, RedisSettings& settings)
{
    const std::string& url = settings.url;
    const std::string expected = "expected redis://HOST[:PORT][/DB], got '" + url + "'";
    if (url.rfind("rediss://", 0) == 0)
        throw section.error("url", "TLS (rediss://) is not supported; use redis:// on a trusted network");
    if (url.rfind(Scheme, 0) != 0)
        throw section.error("url", expected);
    std::string rest = url.substr(std::string(Scheme).size());
    if (rest.find('@') != std::string::npos)
        throw section.error("url", "put the password in redis.password_file, not in the URL");

    const auto slash = rest.find('/');
    if (slash != std::string::npos)
    {
        const std::string db = rest.substr(slash + 1);
        rest.erase(slash);
        if (!db.empty())
        {
            int number = -1;
            if (!Poco::NumberParser::tryParse(db, number) || number < 0 || number > 65535 ||
                db.find_first_not_of("0123456789") != std::string::npos)
                throw section.error("url", "the database must be a number, got '" + db + "' in '" + url + "'");
            settings.database = number;
        }
    }

    std::string host = rest;
    std::string port;
    bool hasPort = false;
    if (!rest.empty() && rest.front() == '[')
    {
        const auto close = rest.find(']');
        if (close == std::string::npos)
            throw section.error("url", expected);
        host = rest.substr(1, close - 1);
        if (close + 1 < rest.size())
        {
            if (rest[close + 1] != ':')
                throw section.error("url", expected);
            port = rest.substr(close + 2);
            hasPort = true;
        }
    }
    else if (const auto colon = rest.find(':'); colon != std::string::npos)
    {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        hasPort = true;
    }
    if (host.empty())
        throw section.error("url", expected);
    settings.host = host;
    if (hasPort)
    {
        int number = -1;
        if (!Poco::NumberParser::tryParse(port, number) || number < 1 || number > 65535 ||
            port.find_first_not_of("0123456789") != std::string::npos)
            throw section.error("url", "invalid port '" + port + "' in '" + url + "'");
        settings.port = static_cast<unsigned short>(number);
    }
}

std::string readPassword(const PluginConfig& section, const std::string& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw section.error("password_file", "cannot read " + file);
    std::ostringstream text;
    text << in.rdbuf();
    std::string password = text.str();
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r' || password.back() == ' ' ||
                                 password.back() == '\t'))
        password.pop_back();
    if (password.empty())
        throw section.error("password_file", file + " is empty");
    if (password.find_first_of("\r\n") != std::string::npos)
        throw section.error("password_file", file + " must hold the password on one line");
    return password;
}

} // namespace

RedisSettings RedisSettings::from(const PluginConfig& section)
{
    RedisSettings settings;
    settings.url = section.getString("url", settings.url);
    parseUrl(section, settings);
    const std::string passwordFile = section.getString("password_file", "");
    if (!passwordFile.empty())
        settings.password = readPassword(section, passwordFile);
    settings.connectTimeout = std::chrono::milliseconds(
        section.getInt("connect_timeout_ms", settings.connectTimeout.count(), 1, 60000));
    settings.commandTimeout = std::chrono::milliseconds(
        section.getInt("command_timeout_ms", settings.commandTimeout.count(), 1, 60000));
    settings.poolSize = static_cast<std::size_t>(
        section.getInt("pool_size", static_cast<long long>(settings.poolSize), 1, 1024));
    const auto unread = section.unreadKeys();
    if (!unread.empty())
        throw section.error(unread.front(), "unknown key (known: url, password_file, connect_timeout_ms, "
                                            "command_timeout_ms, pool_size)");
    return settings;
}

std::string RedisSettings::address() const
{
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + std::to_string(database);
}

std::string RedisSettings::identity() const
{
    Poco::SHA2Engine hash;
    hash.update(password);
    return address() + " auth=" + Poco::DigestEngine::digestToHex(hash.digest()).substr(0, 16) +
           " connect=" + std::to_string(connectTimeout.count()) + " command=" + std::to_string(commandTimeout.count()) +
           " pool=" + std::to_string(poolSize);
}

} // namespace portico
