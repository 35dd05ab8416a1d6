#include "Redactor.h"
#include "Poco/Exception.h"
#include <algorithm>
#include <stdexcept>

namespace portico::redaction {

struct Redactor::Rule
{
    std::string name;
    std::unique_ptr<Poco::RegularExpression> regex;
    /// The first of these groups that took part in the match is replaced; when none did, the
    /// whole match is. An empty group means an empty value: nothing to replace.
    std::vector<std::size_t> valueGroups;
    /// Lowercase literals of which one must occur (ignoring case) for the rule to be worth
    /// running; empty: always run. Most log lines contain none, and a substring search is far
    /// cheaper than a PCRE scan.
    std::vector<std::string> triggers;
};

namespace {

struct Builtin
{
    const char* name;
    const char* regex;
    int options;
    std::vector<std::size_t> valueGroups;
    std::vector<std::string> triggers;
};

const std::vector<Builtin>& builtins()
{
    static const std::vector<Builtin> all = {
        // OpenAI-style keys: sk-..., sk-proj-..., sk-portico-...; not "task-..." or "disk-...".
        {"openai_key", "(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{10,}", 0, {}, {"sk-"}},
        // RFC 6750 bearer credentials, wherever they are quoted (headers, curl lines, dumps).
        {"bearer", "(?<![A-Za-z0-9])bearer\\s+([A-Za-z0-9._~+/=-]+)", Poco::RegularExpression::RE_CASELESS, {1},
         {"bearer"}},
        // name=value, name: value, "name": "value", 'name': 'value', \"name\": \"value\" (JSON
        // inside a JSON string), ?name=value&...; the value alone is replaced.
        {"assignment",
         "(?<![A-Za-z0-9])(\\\\?[\"']?)(?:api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|"
         "id[_-]?token|token|client[_-]?secret|secret[_-]?key|secret|password|passwd|pwd)\\1\\s*[:=]\\s*"
         "(?:\"((?:[^\"\\\\]|\\\\.)*)\"|\\\\\"((?:[^\"\\\\]|\\\\[^\"])*)\\\\\"|'([^']*)'|([^\\s\"'&,;\\\\]+))",
         Poco::RegularExpression::RE_CASELESS,
         {2, 3, 4, 5},
         {"apikey", "api_key", "api-key", "token", "secret", "passw", "pwd"}},
    };
    return all;
}

unsigned char lower(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 'A' && byte <= 'Z' ? static_cast<unsigned char>(byte - 'A' + 'a') : byte;
}

} // namespace

const std::vector<std::string>& Redactor::builtinNames()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& builtin : builtins())
            out.push_back(builtin.name);
        return out;
    }();
    return names;
}

Redactor::Redactor(const RedactionRules& rules)
{
    for (const auto& name : rules.builtins)
    {
        const auto found = std::find_if(builtins().begin(), builtins().end(),
                                        [&](const Builtin& builtin) { return name == builtin.name; });
        if (found == builtins().end())
            throw std::invalid_argument("unknown built-in pattern '" + name + "' (known: openai_key, bearer, assignment)");
        auto rule = std::make_unique<Rule>();
        rule->name = found->name;
        rule->regex = std::make_unique<Poco::RegularExpression>(found->regex, found->options, true);
        rule->valueGroups = found->valueGroups;
        rule->triggers = found->triggers;
        rules_.push_back(std::move(rule));
    }
    for (const auto& pattern : rules.extra)
    {
        auto rule = std::make_unique<Rule>();
        rule->name = pattern.name;
        try
        {
            rule->regex = std::make_unique<Poco::RegularExpression>(pattern.regex, 0, true);
        }
        catch (const Poco::Exception& e)
        {
            throw std::invalid_argument("pattern '" + pattern.name + "' does not compile: " + e.displayText());
        }
        Poco::RegularExpression::Match match;
        if (rule->regex->match("", 0, match) > 0)
            throw std::invalid_argument("pattern '" + pattern.name + "' matches the empty string");
        rule->valueGroups = {1};
        rules_.push_back(std::move(rule));
    }
    // Index the triggers by first byte, so one pass over a line finds every one of them.
    for (std::size_t index = 0; index < rules_.size(); ++index)
    {
        if (rules_[index]->triggers.empty())
            continue;
        if (index >= 64)
            throw std::invalid_argument("too many patterns with triggers");
        triggeredRules_ |= std::uint64_t(1) << index;
        for (const auto& literal : rules_[index]->triggers)
        {
            triggersByFirstByte_[static_cast<unsigned char>(literal.front())].push_back(
                static_cast<std::uint16_t>(triggers_.size()));
            triggers_.push_back({literal, std::uint64_t(1) << index});
        }
    }
    for (const auto& secret : rules.secrets)
        if (!secret.empty() && std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end())
            secrets_.push_back(secret);
    // Longest first, so that a secret containing another one is replaced whole.
    std::sort(secrets_.begin(), secrets_.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

Redactor::~Redactor() = default;

bool Redactor::applyRule(const Rule& rule, const std::string& text, std::string& out) const
{
    Poco::RegularExpression::MatchVec matches;
    std::string::size_type position = 0;
    std::string::size_type copied = 0;
    bool changed = false;
    while (position <= text.size() && rule.regex->match(text, position, matches, 0) > 0)
    {
        const auto& whole = matches[0];
        std::string::size_type start = whole.offset;
        std::string::size_type length = whole.length;
        for (const std::size_t group : rule.valueGroups)
            if (group < matches.size() && matches[group].offset != std::string::npos)
            {
                start = matches[group].offset;
                length = matches[group].length;
                break;
            }
        if (length > 0 && start >= copied)
        {
            if (!changed)
            {
                out.clear();
                out.reserve(text.size() + 16);
                changed = true;
            }
            out.append(text, copied, start - copied);
            out += Mark;
            copied = start + length;
        }
        position = whole.offset + std::max<std::string::size_type>(whole.length, 1);
    }
    if (changed)
        out.append(text, copied, std::string::npos);
    return changed;
}

std::uint64_t Redactor::triggered(const std::string& text) const
{
    std::uint64_t found = 0;
    const std::size_t size = text.size();
    for (std::size_t i = 0; i < size; ++i)
    {
        const auto& candidates = triggersByFirstByte_[lower(text[i])];
        for (const std::uint16_t index : candidates)
        {
            const Trigger& trigger = triggers_[index];
            if ((found & trigger.rules) == trigger.rules || size - i < trigger.literal.size())
                continue;
            std::size_t k = 1;
            while (k < trigger.literal.size() && lower(text[i + k]) == static_cast<unsigned char>(trigger.literal[k]))
                ++k;
            if (k == trigger.literal.size())
            {
                found |= trigger.rules;
                if (found == triggeredRules_)
                    return found;
            }
        }
    }
    return found;
}

bool Redactor::redact(const std::string& text, std::string& out) const
{
    // Two buffers used in turn: each step reads `*current` and writes the other one.
    std::string buffers[2];
    int next = 0;
    const std::string* current = &text;
    bool changed = false;

    for (const auto& secret : secrets_)
    {
        std::string::size_type found = current->find(secret);
        if (found == std::string::npos)
            continue;
        std::string& target = buffers[next];
        target.clear();
        std::string::size_type copied = 0;
        for (; found != std::string::npos; found = current->find(secret, copied))
        {
            target.append(*current, copied, found - copied);
            target += Mark;
            copied = found + secret.size();
        }
        target.append(*current, copied, std::string::npos);
        current = &target;
        next ^= 1;
        changed = true;
    }

    // Triggers are looked up in the line as it came in: a replacement only puts "[REDACTED]"
    // in place of text, which can remove a trigger but never form a new one.
    const std::uint64_t worthRunning = triggeredRules_ ? triggered(text) : 0;
    try
    {
        for (std::size_t index = 0; index < rules_.size(); ++index)
        {
            // Only the built-in rules (the first few) have triggers; the rest always run.
            if (index < 64 && (triggeredRules_ >> index & 1) && !(worthRunning >> index & 1))
                continue;
            if (applyRule(*rules_[index], *current, buffers[next]))
            {
                current = &buffers[next];
                next ^= 1;
                changed = true;
            }
        }
    }
    catch (const Poco::Exception&)
    {
        out = "[REDACTED: this line could not be checked for secrets]";
        return true;
    }
    if (changed)
        out = std::move(buffers[next ^ 1]); // the buffer `current` points to
    return changed;
}

std::string Redactor::redacted(const std::string& text) const
{
    std::string out;
    return redact(text, out) ? out : text;
}

} // namespace portico::redaction
