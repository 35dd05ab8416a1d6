#include "RoutingConfig.h"
#include "upstream/ConfigBlocks.h"
#include "Poco/String.h"
#include <algorithm>
#include <map>
#include <set>

namespace portico::openai {

namespace {

const std::set<std::string> GroupFields{"name",      "alias_of",          "deployments", "strategy",    "fallbacks",
                                        "context_fallbacks", "fallback_on", "max_attempts", "deadline_ms"};
const std::set<std::string> DeploymentFields{"upstream", "model", "weight", "rpm", "tpm", "connect_timeout_ms",
                                             "read_timeout_ms"};
const std::set<std::string> RoutingFields{"allowed_fails", "failure_window_ms", "cooldown_ms"};

constexpr const char* LocalUpstream = "local";

bool contains(const std::vector<std::string>& list, const std::string& value)
{
    return std::find(list.begin(), list.end(), value) != list.end();
}

/// blockIds (upstream/ConfigBlocks.h) with the hint for a public name that is no id.
std::vector<std::string> catalogBlockIds(const PluginConfig& config, const std::string& prefix,
                                         const std::set<std::string>& fields)
{
    return blockIds(config, prefix, fields,
                                     " (a public name with other characters goes in " + prefix + ".<id>.name)");
}

/// Where a '*' may stand in a model name: nowhere, last (a public name that is a pattern), or
/// once anywhere (a deployment's model, where the pattern's matched rest goes).
enum class Star
{
    Never,
    Last,
    Once
};

/// A model name as clients send it: not empty, no control characters, not absurdly long.
void checkModelName(const PluginConfig& config, const std::string& key, const std::string& name,
                    Star star = Star::Never)
{
    if (name.empty())
        throw config.error(key, "a model name must not be empty");
    if (name.size() > 256)
        throw config.error(key, "a model name is at most 256 bytes");
    for (const char c : name)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ',')
            throw config.error(key, "a model name must not hold a control character or a comma");
    const std::size_t stars = static_cast<std::size_t>(std::count(name.begin(), name.end(), '*'));
    if (stars == 0)
        return;
    if (star == Star::Never)
        throw config.error(key, "'" + name + "': a '*' belongs only in a pattern (models.<id>.name) and in the "
                                "model its deployments send");
    if (stars > 1 || (star == Star::Last && name.back() != '*'))
        throw config.error(key, "'" + name + "': one '*', " +
                                    std::string(star == Star::Last ? "at the end" : "for the matched rest"));
}

class Reader
{
public:
    Reader(const PluginConfig& config, const RoutingContext& context) : config_(config), context_(context) {}

    RoutingConfig read()
    {
        readCooldown();
        for (const std::string& id : catalogBlockIds(config_, "deployments", DeploymentFields))
            namedDeployments_[id] = readNamedDeployment(id);
        const std::vector<std::string> groupIds = catalogBlockIds(config_, "models", GroupFields);
        // Public names first, so that aliases and fallbacks can refer to groups given later.
        for (const std::string& id : groupIds)
        {
            const std::string key = "models." + id + ".name";
            const std::string name = config_.getString(key, id);
            checkModelName(config_, key, name, Star::Last);
            if (const auto other = publicNames_.find(name); other != publicNames_.end())
                throw config_.error(key, "the model name '" + name + "' is given twice (models." + other->second +
                                             " and models." + id + ")");
            publicNames_[name] = id;
            const bool alias = config_.has("models." + id + ".alias_of");
            const bool deployments = config_.has("models." + id + ".deployments");
            if (alias && name.back() == '*')
                throw config_.error(key, "a pattern ('" + name + "') needs deployments, not alias_of");
            if (alias == deployments)
                throw config_.error("models." + id + (alias ? ".alias_of" : ".deployments"),
                                    alias ? "give either alias_of or deployments, not both"
                                          : "a model needs deployments (or alias_of)");
            (alias ? aliasIds_ : groupIds_).push_back(id);
        }
        for (const std::string& id : groupIds_)
            out_.groups.push_back(readGroup(id));
        for (const std::string& id : aliasIds_)
            out_.aliases.push_back(readAlias(id));
        // Deployment blocks no group uses are still checked (above), and then ignored.
        out_.defaultModel = config_.getString("default_model", "");
        if (!out_.defaultModel.empty())
            checkModelName(config_, "default_model", out_.defaultModel);
        if (!out_.defaultModel.empty() && !known(out_.defaultModel))
            throw config_.error("default_model", "'" + out_.defaultModel + "' is not a model this gateway serves");
        return std::move(out_);
    }

private:
    void readCooldown()
    {
        for (const std::string& key : config_.keysBelow("routing"))
            if (RoutingFields.count(key.substr(std::string("routing.").size())) == 0)
                throw config_.error(key, "unknown key (known: allowed_fails, cooldown_ms, failure_window_ms)");
        CooldownConfig& c = out_.cooldown;
        c.allowedFails = static_cast<int>(config_.getInt("routing.allowed_fails", c.allowedFails, 0, 1000000));
        c.failureWindow = std::chrono::milliseconds(
            config_.getInt("routing.failure_window_ms", c.failureWindow.count(), 1, 86400000));
        c.cooldown =
            std::chrono::milliseconds(config_.getInt("routing.cooldown_ms", c.cooldown.count(), 1, 86400000));
    }

    void checkUpstream(const std::string& key, const std::string& upstream)
    {
        if (upstream == LocalUpstream)
        {
            if (contains(context_.upstreams, LocalUpstream))
                throw config_.error(key, "'local' names the local models here, but an upstream is called 'local' "
                                         "too: rename that upstream");
            return;
        }
        if (!contains(context_.upstreams, upstream))
        {
            std::string known = "local";
            for (const std::string& name : context_.upstreams)
                known += ", " + name;
            throw config_.error(key, "unknown upstream '" + upstream + "' (known: " + known +
                                         "; 'default' is the upstream.* block)");
        }
    }

    void checkLocalModel(const std::string& key, const std::string& model)
    {
        if (context_.localModels.empty())
            throw config_.error(key, "the local models are off (local.enabled = false)");
        if (!contains(context_.localModels, model))
            throw config_.error(key, "'" + model + "' is not a local model (portico-echo, portico-embed)");
    }

    DeploymentConfig readNamedDeployment(const std::string& id)
    {
        const std::string prefix = "deployments." + id + ".";
        DeploymentConfig d;
        d.key = "deployments." + id;
        d.name = id;
        const std::string upstream = config_.getString(prefix + "upstream", "");
        if (upstream.empty())
            throw config_.error(prefix + "upstream", "required: an upstream's name, or 'local'");
        checkUpstream(prefix + "upstream", upstream);
        d.upstream = upstream == LocalUpstream ? "" : upstream;
        d.model = config_.getString(prefix + "model", "");
        checkModelName(config_, prefix + "model", d.model, Star::Once);
        if (d.local())
            checkLocalModel(prefix + "model", d.model);
        d.weight = config_.getDouble(prefix + "weight", 1.0, 0.0, 1e6);
        d.rpm = config_.getInt(prefix + "rpm", 0, 0, 1000000000);
        d.tpm = config_.getInt(prefix + "tpm", 0, 0, 1000000000000LL);
        if (config_.has(prefix + "connect_timeout_ms"))
            d.connectTimeout = std::chrono::milliseconds(config_.getInt(prefix + "connect_timeout_ms", 0, 1, 600000));
        if (config_.has(prefix + "read_timeout_ms"))
            d.readTimeout = std::chrono::milliseconds(config_.getInt(prefix + "read_timeout_ms", 0, 1, 86400000));
        if (d.local() && (d.connectTimeout || d.readTimeout))
            throw config_.error(prefix + (d.connectTimeout ? "connect_timeout_ms" : "read_timeout_ms"),
                                "a local deployment has no connection to time out");
        return d;
    }

    /// The index in out_.deployments of list item `item` of `key`: a deployment block's id, or
    /// "<upstream>:<model>" (the first ':' splits, so "ollama:llama3:8b" sends "llama3:8b").
    std::size_t deploymentFor(const std::string& key, const std::string& item)
    {
        if (const auto used = used_.find(item); used != used_.end())
            return used->second;
        DeploymentConfig d;
        const std::size_t colon = item.find(':');
        if (colon == std::string::npos)
        {
            const auto named = namedDeployments_.find(item);
            if (named == namedDeployments_.end())
                throw config_.error(key, "'" + item + "' is neither a deployment (deployments." + item +
                                             ".*) nor '<upstream>:<model>'");
            d = named->second;
        }
        else
        {
            // "openai: gpt-4o" is "openai:gpt-4o": spaces around the ':' are not part of either.
            const std::string upstream = Poco::trim(item.substr(0, colon));
            d.model = Poco::trim(item.substr(colon + 1));
            d.key = key;
            d.name = upstream + ":" + d.model;
            checkUpstream(key, upstream);
            d.upstream = upstream == LocalUpstream ? "" : upstream;
            checkModelName(config_, key, d.model, Star::Once);
            if (d.local())
                checkLocalModel(key, d.model);
        }
        out_.deployments.push_back(std::move(d));
        used_[item] = out_.deployments.size() - 1;
        return out_.deployments.size() - 1;
    }

    GroupConfig readGroup(const std::string& id)
    {
        const std::string prefix = "models." + id + ".";
        GroupConfig g;
        g.id = id;
        g.name = config_.getString(prefix + "name", id);
        g.pattern = g.name.back() == '*';
        const auto items = config_.getList(prefix + "deployments", {});
        if (items.empty())
            throw config_.error(prefix + "deployments", "empty: list at least one deployment");
        double weights = 0;
        for (const std::string& item : items)
        {
            const std::size_t index = deploymentFor(prefix + "deployments", item);
            if (std::find(g.deployments.begin(), g.deployments.end(), index) != g.deployments.end())
                throw config_.error(prefix + "deployments", "'" + item + "' is listed twice");
            g.deployments.push_back(index);
            weights += out_.deployments[index].weight;
            if (!g.pattern && out_.deployments[index].model.find('*') != std::string::npos)
                throw config_.error(prefix + "deployments",
                                    "'" + item + "' sends '" + out_.deployments[index].model +
                                        "': a '*' there is filled in with what a pattern name (one ending in '*') "
                                        "matched, and '" + g.name + "' is no pattern");
        }
        if (weights <= 0)
            throw config_.error(prefix + "deployments", "every deployment has weight 0: nothing would be chosen");
        const std::string strategy = config_.getString(prefix + "strategy", "weighted");
        if (strategy == "weighted")
            g.strategy = Strategy::Weighted;
        else if (strategy == "least_busy")
            g.strategy = Strategy::LeastBusy;
        else if (strategy == "latency")
            g.strategy = Strategy::Latency;
        else
            throw config_.error(prefix + "strategy", "'" + strategy + "' is not weighted, least_busy or latency");
        g.fallbacks = readFallbacks(prefix + "fallbacks", g.name);
        g.contextFallbacks = readFallbacks(prefix + "context_fallbacks", g.name);
        if (config_.has(prefix + "fallback_on"))
        {
            g.fallbackOn.clear();
            for (const std::string& text : config_.getList(prefix + "fallback_on", {}))
            {
                int status = 0;
                const bool number = !text.empty() && text.size() <= 3 &&
                                    std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
                if (number)
                    status = std::stoi(text);
                if (status < 400 || status > 599)
                    throw config_.error(prefix + "fallback_on", "'" + text + "' is not a status from 400 to 599");
                g.fallbackOn.push_back(status);
            }
        }
        g.maxAttempts = static_cast<int>(config_.getInt(prefix + "max_attempts", g.maxAttempts, 1, 100));
        g.deadline = std::chrono::milliseconds(config_.getInt(prefix + "deadline_ms", 0, 0, 86400000));
        return g;
    }

    std::vector<std::string> readFallbacks(const std::string& key, const std::string& self)
    {
        std::vector<std::string> names = config_.getList(key, {});
        for (const std::string& name : names)
        {
            checkModelName(config_, key, name);
            if (name == self)
                throw config_.error(key, "a model cannot fall back to itself");
            if (!known(name))
                throw config_.error(key, "unknown model '" + name + "': not in models.* and not served here");
        }
        return names;
    }

    AliasConfig readAlias(const std::string& id)
    {
        AliasConfig a;
        a.id = id;
        a.name = config_.getString("models." + id + ".name", id);
        // Follow alias_of to a name that is no alias, refusing a cycle.
        std::vector<std::string> seen{a.name};
        std::string current = id;
        for (;;)
        {
            const std::string key = "models." + current + ".alias_of";
            const std::string target = config_.getString(key, "");
            checkModelName(config_, key, target);
            if (contains(seen, target))
            {
                std::string chain;
                for (const std::string& name : seen)
                    chain += name + " -> ";
                throw config_.error(key, "alias cycle: " + chain + target);
            }
            seen.push_back(target);
            const auto next = publicNames_.find(target);
            if (next != publicNames_.end() && contains(aliasIds_, next->second))
            {
                current = next->second;
                continue;
            }
            if (next == publicNames_.end() && !context_.servedDirectly(target))
                throw config_.error(key, "'" + target + "' is not a model this gateway serves");
            a.target = target;
            return a;
        }
    }

    /// A name a request may use: a public name of the catalog, or one served without it.
    bool known(const std::string& name) const
    {
        return publicNames_.count(name) > 0 || context_.servedDirectly(name);
    }

    const PluginConfig& config_;
    const RoutingContext& context_;
    RoutingConfig out_;
    std::map<std::string, DeploymentConfig> namedDeployments_;
    /// Deployment list items already turned into out_.deployments entries.
    std::map<std::string, std::size_t> used_;
    /// Public name -> models.<id>.
    std::map<std::string, std::string> publicNames_;
    std::vector<std::string> groupIds_;
    std::vector<std::string> aliasIds_;
};

} // namespace

std::set<std::string> upstreamsNamedByCatalog(const PluginConfig& config)
{
    std::set<std::string> names;
    for (const std::string& key : config.keysBelow("deployments"))
        if (key.size() > 9 && key.compare(key.size() - 9, 9, ".upstream") == 0)
            names.insert(config.getString(key, ""));
    for (const std::string& key : config.keysBelow("models"))
        if (key.size() > 12 && key.compare(key.size() - 12, 12, ".deployments") == 0)
            for (const std::string& item : config.getList(key, {}))
                if (const std::size_t colon = item.find(':'); colon != std::string::npos)
                    names.insert(Poco::trim(item.substr(0, colon)));
    names.erase(LocalUpstream);
    return names;
}

RoutingConfig readRoutingConfig(const PluginConfig& config, const RoutingContext& context)
{
    return Reader(config, context).read();
}

} // namespace portico::openai
