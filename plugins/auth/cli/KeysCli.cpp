// portico-keys: the virtual keys of a key store, from the shell, over the same store and the
// same code as the admin API (VirtualKeyAdmin). Running porticod instances on the store see a
// change within their [admin] refresh_ms.
//
//   portico-keys [--config FILE | --store FILE] create [POLICY]
//   portico-keys [--config FILE | --store FILE] list
//   portico-keys [--config FILE | --store FILE] show ID
//   portico-keys [--config FILE | --store FILE] update ID POLICY
//   portico-keys [--config FILE | --store FILE] revoke ID
//
// POLICY is the admin API's JSON object of policy fields ('{"models":["gpt-4o*"],"rpm":60}').
// The store is the SQLite file --store, else the [admin] store of --config (default
// /etc/portico/portico.ini, when it exists; store = redis: the [redis] server), else
// /var/lib/portico/keys.db. Answers are the admin API's JSON, on stdout;
// `create` prints the key, once. Exit codes: 0 done, 1 no such key (or revoked, for update),
// 64 usage, 65 a bad policy, 69 the store cannot be opened or written.

#include "AdminConfig.h"
#include "SqliteKeyStore.h"
#include "VirtualKeyAdmin.h"
#include "VirtualKeyJson.h"
#include "Poco/AutoPtr.h"
#include "Poco/File.h"
#include "Poco/Util/AbstractConfiguration.h"
#include "Poco/Util/IniFileConfiguration.h"
#include "Poco/Util/XMLConfiguration.h"
#include <iostream>
#include <string>
#include <vector>

using namespace portico::auth;

namespace {

constexpr int ExitNotFound = 1;
constexpr int ExitUsage = 64;   // EX_USAGE
constexpr int ExitDataErr = 65; // EX_DATAERR
constexpr int ExitUnavailable = 69; // EX_UNAVAILABLE

const char* const Usage =
    "usage: portico-keys [--config FILE | --store FILE] COMMAND\n"
    "  create [POLICY]     a new virtual key (POLICY: a JSON object of policy fields); the key is printed once\n"
    "  list                every key's policy\n"
    "  show ID             one key's policy\n"
    "  update ID POLICY    change the fields POLICY gives\n"
    "  revoke ID           revoke the key\n";

/// The store: the SQLite file --store, else [admin] store of the config file (with its [redis]
/// for store = redis), else the default file.
std::unique_ptr<VirtualKeyStore> openStore(const std::string& store, const std::string& config, bool configGiven)
{
    if (!store.empty())
        return std::make_unique<SqliteKeyStore>(store);
    if (!configGiven && !Poco::File(config).exists())
        return std::make_unique<SqliteKeyStore>(AdminConfig().store);
    Poco::AutoPtr<Poco::Util::AbstractConfiguration> values;
    if (config.size() > 4 && config.compare(config.size() - 4, 4, ".xml") == 0)
        values = new Poco::Util::XMLConfiguration(config);
    else
        values = new Poco::Util::IniFileConfiguration(config);
    // The config's own checks: a bad [admin] or [redis] key is named with its file.
    return openVirtualKeyStore(AdminConfig::from(portico::PluginConfig(values, "auth", config)));
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string store, config = "/etc/portico/portico.ini";
    bool configGiven = false;
    while (!args.empty() && args.front().compare(0, 2, "--") == 0)
    {
        const std::string flag = args.front();
        args.erase(args.begin());
        const auto equals = flag.find('=');
        std::string name = flag.substr(0, equals), value;
        if (equals != std::string::npos)
            value = flag.substr(equals + 1);
        else if (!args.empty())
        {
            value = args.front();
            args.erase(args.begin());
        }
        if (name == "--store" && !value.empty())
            store = value;
        else if (name == "--config" && !value.empty())
        {
            config = value;
            configGiven = true;
        }
        else
        {
            std::cerr << Usage;
            return ExitUsage;
        }
    }
    const std::string command = args.empty() ? "" : args.front();
    const std::size_t operands = args.empty() ? 0 : args.size() - 1;
    const bool valid = (command == "create" && operands <= 1) || (command == "list" && operands == 0) ||
                       ((command == "show" || command == "revoke") && operands == 1) ||
                       (command == "update" && operands == 2);
    if (!valid)
    {
        std::cerr << Usage;
        return ExitUsage;
    }
    try
    {
        const auto opened = openStore(store, config, configGiven);
        VirtualKeyStore& keys = *opened;
        VirtualKeyAdmin admin(keys);
        if (command == "create")
        {
            const CreatedKey created = admin.create(operands ? args[1] : "");
            std::cout << VirtualKeyAdmin::createdJson(created) << std::endl;
            std::cerr << "portico-keys: the key is shown only this once: give it to the client now." << std::endl;
            return 0;
        }
        if (command == "list")
        {
            std::cout << VirtualKeyAdmin::listJson(keys.list()) << std::endl;
            return 0;
        }
        const std::string& id = args[1];
        std::optional<VirtualKey> key;
        if (command == "show")
            key = admin.find(id);
        else if (command == "revoke")
        {
            bool changed = false;
            key = admin.revoke(id, changed);
        }
        else
        {
            auto [refusal, updated] = admin.update(id, args[2]);
            if (refusal == ChangeRefusal::Revoked)
            {
                std::cerr << "portico-keys: the key " << id << " is revoked; create a new one" << std::endl;
                return ExitNotFound;
            }
            key = std::move(updated);
        }
        if (!key)
        {
            std::cerr << "portico-keys: no virtual key with id '" << id << "'" << std::endl;
            return ExitNotFound;
        }
        std::cout << virtualKeyJson(*key) << std::endl;
        return 0;
    }
    catch (const PolicyError& e)
    {
        std::cerr << "portico-keys: " << (e.field().empty() ? "" : e.field() + ": ") << e.what() << std::endl;
        return ExitDataErr;
    }
    catch (const portico::RedisUnavailable& e)
    {
        std::cerr << "portico-keys: the key store in Redis: " << e.what() << std::endl;
        return ExitUnavailable;
    }
    catch (const std::exception& e)
    {
        std::cerr << "portico-keys: " << e.what() << std::endl;
        return ExitUnavailable;
    }
}
