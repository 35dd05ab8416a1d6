// Runs the conformance suite (the official openai npm package) against the installed porticod.
//
//   portico_conformance --source <dir> --work <dir> [--suite <file.mjs>] [--with-key]
//                       [--env NAME=VALUE ...] (--config <file> | --stage-config <path>) ...
//
// 1. Copies package.json, package-lock.json and the suite (--suite, default
//    conformance.test.mjs) from --source into --work and runs `npm ci` there when node_modules
//    is missing or the lock file changed (so the pinned packages are installed once per build
//    tree, never into the source tree). tests/browser runs its suite the same way.
// 2. Starts one porticod per --config, in the order given (PorticodProcess: free port, waits
//    for /healthz). A config may use "{port1}", "{port2}", ... for the ports of the porticods
//    started before it, e.g. a proxy whose upstream.url points at a backend started first,
//    and "{refused_port}" for a port on 127.0.0.1 where nothing listens (a dead upstream).
//    "{free_port}" is another free port on 127.0.0.1, the same in every config and --env
//    value, for a server the suite starts itself (tests/browser: the page's origin, which the
//    cors plugin of a config allows).
//    --stage-config names a config of the staged install by its path below the stage
//    (etc/portico/portico.ini: the shipped config as installed), run with only the listen
//    address of its [server] section changed to 127.0.0.1 and a free port.
// 3. Runs `node --test <suite>` with PORTICO_BASE_URL=http://127.0.0.1:<port>/v1 of the LAST
//    porticod and every --env setting (the suite's PORTICO_TEXT_MODEL, ...; its value may use
//    "{port1}", ... and "{free_port}" as a config does), and exits with node's exit code
//    (porticod's output is printed on failure).
// With --with-key, a real API key is made first with the installed `porticod --new-key`, its
// keys-file line written to a temp file that configs name as "{keys_file}", and the key given to
// the suite as PORTICO_API_KEY (which also turns on the suite's authentication checks); an admin
// key for the admin API is made the same way, written to "{admin_key_file}" and given as
// PORTICO_ADMIN_KEY. "{state_dir}" is a temp directory for the configs' files (a key store).
// After the run, porticod's output must contain neither key.

#include "PorticodProcess.h"
#include "TempDir.h"
#include "Poco/File.h"
#include "Poco/Process.h"
#include "Poco/String.h"
#include <csignal>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using portico::test::PorticodProcess;
using portico::test::readFile;

namespace {

struct ConfigArgument
{
    std::string path;
    /// A path below the stage (--stage-config): its listen address is replaced.
    bool fromStage = false;
};

struct Arguments
{
    std::string source;
    std::string work;
    std::string suite = "conformance.test.mjs";
    std::vector<ConfigArgument> configs;
    std::vector<std::pair<std::string, std::string>> env;
    bool withKey = false;
};

Arguments parse(int argc, char** argv)
{
    Arguments args;
    for (int i = 1; i < argc; i += 2)
    {
        const std::string flag = argv[i];
        if (flag == "--with-key")
        {
            args.withKey = true;
            --i; // a flag without a value
            continue;
        }
        if (i + 1 >= argc)
            throw std::runtime_error("missing value for " + flag);
        if (flag == "--source")
            args.source = argv[i + 1];
        else if (flag == "--work")
            args.work = argv[i + 1];
        else if (flag == "--suite")
            args.suite = argv[i + 1];
        else if (flag == "--config")
            args.configs.push_back({argv[i + 1], false});
        else if (flag == "--stage-config")
            args.configs.push_back({argv[i + 1], true});
        else if (flag == "--env")
        {
            const std::string setting = argv[i + 1];
            const auto equals = setting.find('=');
            if (equals == std::string::npos || equals == 0)
                throw std::runtime_error("--env wants NAME=VALUE, got '" + setting + "'");
            args.env.emplace_back(setting.substr(0, equals), setting.substr(equals + 1));
        }
        else
            throw std::runtime_error("unknown argument " + flag);
    }
    if (args.source.empty() || args.work.empty() || args.configs.empty())
        throw std::runtime_error("usage: portico_conformance --source DIR --work DIR [--suite FILE.mjs] [--with-key] "
                                 "[--env NAME=VALUE ...] (--config FILE | --stage-config PATH) ...");
    return args;
}

int run(const std::string& command, const std::vector<std::string>& arguments, const std::string& directory,
        const Poco::Process::Env& env = {})
{
    std::cout << "conformance: running " << command;
    for (const auto& argument : arguments)
        std::cout << ' ' << argument;
    std::cout << " (in " << directory << ")" << std::endl;
    Poco::ProcessHandle handle = Poco::Process::launch(command, arguments, directory, nullptr, nullptr, nullptr, env);
    return handle.wait();
}

/// Copies the suite into the work directory; installs the pinned packages when needed.
void prepare(const Arguments& args)
{
    Poco::File(args.work).createDirectories();
    const std::string lock = readFile(args.source + "/package-lock.json");
    if (lock.empty())
        throw std::runtime_error(args.source + "/package-lock.json is missing or empty");
    const bool lockChanged = readFile(args.work + "/node_modules/.portico-lock") != lock;
    for (const std::string& name : {std::string("package.json"), std::string("package-lock.json"), args.suite})
        Poco::File(args.source + "/" + name).copyTo(args.work + "/" + name);
    // The marker is written only after a successful npm ci: without it, or with another lock
    // file's, node_modules is missing, partial or stale.
    if (lockChanged)
    {
        if (run("npm", {"ci", "--no-audit", "--no-fund"}, args.work) != 0)
            throw std::runtime_error("npm ci failed in " + args.work);
        portico::test::TempDir scratch;
        Poco::File(scratch.write("lock", lock)).copyTo(args.work + "/node_modules/.portico-lock");
    }
}

/// The text of a config of the staged install with the listen address of its [server] section
/// replaced by 127.0.0.1:{port}; nothing else changes.
std::string stageConfig(const std::string& relative)
{
    const std::string path = portico::test::stageDir() + "/" + relative;
    std::string text = readFile(path);
    if (text.empty())
        throw std::runtime_error("cannot read " + path + " (stage_install)");
    const auto section = text.find("[server]");
    const auto line = section == std::string::npos ? section : text.find("\nlisten", section);
    const auto nextSection = section == std::string::npos ? section : text.find("\n[", section);
    if (line == std::string::npos || (nextSection != std::string::npos && line > nextSection))
        throw std::runtime_error(path + " has no listen key in its [server] section");
    const auto equals = text.find('=', line);
    const auto valueStart = text.find_first_not_of(" \t", equals + 1);
    const auto valueEnd = text.find_first_of(" \t;\r\n", valueStart);
    text.replace(valueStart, valueEnd - valueStart, "127.0.0.1:{port}");
    return text;
}

/// `text` with "{free_port}" and "{port1}", "{port2}", ... (the ports of `servers`) filled in.
std::string withPorts(std::string text, const std::string& freePort,
                      const std::vector<std::unique_ptr<PorticodProcess>>& servers)
{
    text = Poco::replace(text, std::string("{free_port}"), freePort);
    for (std::size_t i = 0; i < servers.size(); ++i)
        text = Poco::replace(text, "{port" + std::to_string(i + 1) + "}", std::to_string(servers[i]->port()));
    return text;
}

/// A new key from the installed `porticod --new-key`: {key, keys-file line}.
std::pair<std::string, std::string> newKey(const std::string& principal)
{
    const auto result = portico::test::runPorticod({"--new-key=" + principal});
    std::istringstream lines(result.output);
    std::string key, line, text;
    while (std::getline(lines, text))
    {
        if (Poco::startsWith(text, std::string("sk-portico-")))
            key = Poco::trim(text);
        else if (Poco::startsWith(text, principal + " sha256:"))
            line = Poco::trim(text);
    }
    if (result.exitCode != 0 || key.empty() || line.empty())
        throw std::runtime_error("porticod --new-key failed:\n" + result.output);
    return {key, line};
}

} // namespace

int main(int argc, char** argv)
{
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<std::unique_ptr<PorticodProcess>> servers;
    try
    {
        const Arguments args = parse(argc, argv);
        prepare(args);
        portico::test::TempDir keysDir;
        const std::string freePort = std::to_string(portico::test::freePort());
        std::string apiKey, adminKey;
        if (args.withKey)
        {
            const auto [key, line] = newKey("conformance");
            apiKey = key;
            keysDir.write("keys", "# made by porticod --new-key for the conformance run\n" + line + "\n");
            adminKey = newKey("admin").first;
            keysDir.write("admin.key", adminKey + "\n");
        }
        for (const auto& config : args.configs)
        {
            const std::string& path = config.path;
            std::string text = config.fromStage ? stageConfig(path) : readFile(path);
            if (text.empty())
                throw std::runtime_error("cannot read config " + path);
            if (text.find("{refused_port}") != std::string::npos)
                text = Poco::replace(text, std::string("{refused_port}"), std::to_string(portico::test::freePort()));
            text = withPorts(text, freePort, servers);
            text = Poco::replace(text, std::string("{keys_file}"), keysDir.file("keys"));
            text = Poco::replace(text, std::string("{admin_key_file}"), keysDir.file("admin.key"));
            text = Poco::replace(text, std::string("{state_dir}"), keysDir.path());
            servers.push_back(std::make_unique<PorticodProcess>(text));
            std::cout << "conformance: porticod " << servers.size() << " (" << path << ") on port "
                      << servers.back()->port() << std::endl;
        }
        Poco::Process::Env env;
        env["PORTICO_BASE_URL"] = "http://127.0.0.1:" + std::to_string(servers.back()->port()) + "/v1";
        if (!apiKey.empty())
        {
            env["PORTICO_API_KEY"] = apiKey;
            env["PORTICO_ADMIN_KEY"] = adminKey;
        }
        for (const auto& [name, value] : args.env)
        {
            env[name] = withPorts(value, freePort, servers);
            std::cout << "conformance: " << name << "=" << env[name] << std::endl;
        }
        int status = run("node", {"--test", "--test-reporter=spec", args.suite}, args.work, env);
        for (const std::string& secret : {apiKey, adminKey})
            if (!secret.empty())
                for (const auto& server : servers)
                    if (server->output().find(secret) != std::string::npos)
                    {
                        std::cout << "conformance: an API key appears in porticod's output" << std::endl;
                        status = 1;
                    }
        if (status != 0)
            for (std::size_t i = 0; i < servers.size(); ++i)
                std::cout << "---- porticod " << i + 1 << " output ----\n" << servers[i]->output() << std::endl;
        return status;
    }
    catch (const std::exception& e)
    {
        std::cerr << "conformance: " << e.what() << std::endl;
        for (std::size_t i = 0; i < servers.size(); ++i)
            std::cerr << "---- porticod " << i + 1 << " output ----\n" << servers[i]->output() << std::endl;
        return 2;
    }
}
