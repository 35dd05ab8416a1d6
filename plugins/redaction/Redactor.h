#pragma once
// Finds secrets in a line of text and replaces them with [REDACTED].
//
// Rules, applied in this order:
//  - secrets: exact values (the upstream API key, ...), replaced wherever they occur;
//  - built-in patterns: OpenAI-style keys (`sk-` + 10 or more of [A-Za-z0-9_-], which covers
//    sk-proj-... and sk-portico-...), `Bearer <token>`, and key assignments (APIKEY=...,
//    api_key: ..., "api_key": "...", ?api_key=..., password=..., client_secret=...);
//  - extra patterns from the configuration.
// A pattern with a capture group has only its first group replaced (so `token=` stays readable);
// otherwise the whole match is. Matching is PCRE (Poco::RegularExpression) on bytes: see
// README.md for why PCRE and what it costs per line.

#include "Poco/RegularExpression.h"
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace portico::redaction {

struct NamedPattern
{
    std::string name;
    std::string regex;
};

struct RedactionRules
{
    /// Built-in pattern names: "openai_key", "bearer", "assignment".
    std::vector<std::string> builtins = {"openai_key", "bearer", "assignment"};
    std::vector<NamedPattern> extra;
    /// Exact values to replace wherever they occur.
    std::vector<std::string> secrets;
};

class Redactor
{
public:
    static constexpr const char* Mark = "[REDACTED]";

    /// Compiles the rules. Throws std::invalid_argument naming the pattern when one does not
    /// compile, matches the empty string, or a built-in name is unknown.
    explicit Redactor(const RedactionRules& rules);
    ~Redactor();

    /// Writes `text` with every secret replaced into `out` and returns true; returns false and
    /// leaves `out` alone when `text` holds nothing to redact (the common case: no copy made).
    /// Thread-safe. If a pattern fails to run (PCRE's match limit), the whole line is replaced:
    /// a line that could not be checked is not let through.
    bool redact(const std::string& text, std::string& out) const;

    /// Convenience: `text` with every secret replaced.
    std::string redacted(const std::string& text) const;

    /// The names of the built-in patterns.
    static const std::vector<std::string>& builtinNames();

private:
    struct Rule;
    /// A lowercase literal; when it occurs in a line (ignoring case), the rules in `rules`
    /// (bits: index into rules_) are worth running.
    struct Trigger
    {
        std::string literal;
        std::uint64_t rules;
    };

    bool applyRule(const Rule& rule, const std::string& text, std::string& out) const;
    /// The rules_ bits whose triggers occur in `text`: one pass, no copy.
    std::uint64_t triggered(const std::string& text) const;

    std::vector<std::string> secrets_;
    std::vector<std::unique_ptr<Rule>> rules_;
    std::vector<Trigger> triggers_;
    /// Per lowercase first byte, the triggers starting with it.
    std::array<std::vector<std::uint16_t>, 256> triggersByFirstByte_;
    /// Rules that only run when triggered.
    std::uint64_t triggeredRules_ = 0;
};

} // namespace portico::redaction
