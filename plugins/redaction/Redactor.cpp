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
         {"key", "token", "secret", "passw", "pwd"}},
    };
    return all;
}

std::string lowercase(const std::string& text)
{
    std::string lower(text);
    for (char& c : lower)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return lower;
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
    std::string lowered;
    bool loweredReady = false;
    try
    {
        for (const auto& rule : rules_)
        {
            if (!rule->triggers.empty())
            {
                if (!loweredReady)
                {
                    lowered = lowercase(text);
                    loweredReady = true;
                }
                const bool worthRunning = std::any_of(rule->triggers.begin(), rule->triggers.end(),
                                                      [&](const std::string& t) { return lowered.find(t) != std::string::npos; });
                if (!worthRunning)
                    continue;
            }
            if (applyRule(*rule, *current, buffers[next]))
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
