// The cost of redaction per log line, and why PCRE: runs a corpus of realistic porticod log
// lines (90% without a secret) through
//   - the Redactor as shipped (Poco::RegularExpression = PCRE, with literal pre-checks),
//   - the same patterns in PCRE without the pre-checks,
//   - the same patterns in std::regex (ECMAScript), with and without the pre-checks,
//   - the plugin's RedactionFilter through the LogFilter interface on a copy of each line, as
//     the core's log pipeline runs it, against the copy alone (the cost a log line really
//     pays; for access lines it is paid on the access log's writer thread),
// checks that all engines give the same output, and prints nanoseconds per line.
//
//   redaction_bench [lines]      (default 200000; ctest runs a short one)

#include "RedactionFilter.h"
#include "Redactor.h"
#include "Poco/RegularExpression.h"
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

using portico::redaction::RedactionFilter;
using portico::redaction::RedactionRules;
using portico::redaction::Redactor;

namespace {

const std::string Secret = "upstream-Secret-Value-7f3a9c2e";

std::vector<std::string> corpus()
{
    const std::vector<std::string> clean = {
        "{\"time\":\"2026-11-25T18:12:00.475Z\",\"trace_id\":\"1d0d348970a5f4c0995c4312356f317a\",\"principal\":\"alice\","
        "\"method\":\"POST\",\"path\":\"/v1/chat/completions\",\"status\":200,\"bytes_out\":1532,\"duration_ms\":812.113,"
        "\"upstream_ms\":804.2,\"model\":\"gpt-4o-mini\",\"client\":\"10.0.3.17:51234\",\"outcome\":\"completed\"}",
        "connection closed: No message received",
        "upstream 'default' answered 503; retry 1 of 2 in 100 ms.",
        "401 for GET /v1/models from 10.0.3.17:40000: no Authorization header",
        "porticod 0.1.0 serving http://127.0.0.1:8000 (threads 256, queue 1024)",
        "probe probe_a complete completed 200 /probe_a/slow",
        "loaded 42 key(s) from /etc/portico/keys",
        "plugin openai (request hook) failed on POST /v1/embeddings: input must be a string or an array of strings",
        "rate limit for principal ci-bot on /v1/chat/completions: 20 tokens left, max_tokens=512",
    };
    const std::vector<std::string> secret = {
        "{\"time\":\"2026-11-25T18:12:00.999Z\",\"trace_id\":null,\"principal\":null,\"method\":\"GET\","
        "\"path\":\"/v1/files/sk-proj-abcdefghijklmnop0123\",\"status\":401,\"bytes_out\":240,\"duration_ms\":0.083,"
        "\"upstream_ms\":null,\"model\":null,\"client\":\"127.0.0.1:32964\",\"outcome\":\"completed\"}",
        "401 for GET /v1/models?api_key=abc123def456 from 127.0.0.1:60438: the key is not in the keys file",
        "upstream request headers: Authorization: Bearer " + Secret + " Content-Type: application/json",
    };
    std::vector<std::string> lines;
    for (int round = 0; round < 10; ++round)
        for (std::size_t i = 0; i < clean.size(); ++i)
        {
            lines.push_back(clean[i]);
            if (round == 0 && i < secret.size())
                lines.push_back(secret[i]);
        }
    return lines; // main() repeats the lines with a secret to make them ~10%
}

/// The shipped patterns, for engines that are not the Redactor. ECMAScript has no lookbehind,
/// so the character before a match is a group of its own; `values` are the groups replaced.
struct Pattern
{
    std::string pcre;
    std::string ecma;
    bool caseless;
    std::vector<std::size_t> pcreValues;
    std::vector<std::size_t> ecmaValues;
    std::vector<std::string> triggers;
};

const std::string Names = "(?:api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|id[_-]?token|token|"
                          "client[_-]?secret|secret[_-]?key|secret|password|passwd|pwd)";
const std::string Value = "(?:\"((?:[^\"\\\\]|\\\\.)*)\"|\\\\\"((?:[^\"\\\\]|\\\\[^\"])*)\\\\\"|'([^']*)'|([^\\s\"'&,;\\\\]+))";

const std::vector<Pattern> patterns = {
    {"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{10,}", "(^|[^A-Za-z0-9_-])(sk-[A-Za-z0-9_-]{10,})", false, {0}, {2}, {"sk-"}},
    {"(?<![A-Za-z0-9])bearer\\s+([A-Za-z0-9._~+/=-]+)", "(^|[^A-Za-z0-9])bearer\\s+([A-Za-z0-9._~+/=-]+)", true, {1}, {2},
     {"bearer"}},
    {"(?<![A-Za-z0-9])(\\\\?[\"']?)" + Names + "\\1\\s*[:=]\\s*" + Value,
     "(^|[^A-Za-z0-9])(\\\\?[\"']?)" + Names + "\\2\\s*[:=]\\s*" + Value, true, {2, 3, 4, 5}, {3, 4, 5, 6},
     {"apikey", "api_key", "api-key", "token", "secret", "passw", "pwd"}},
};

std::string lower(const std::string& text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool triggered(const Pattern& pattern, const std::string& lowered)
{
    return std::any_of(pattern.triggers.begin(), pattern.triggers.end(),
                       [&](const std::string& t) { return lowered.find(t) != std::string::npos; });
}

std::string replaceSecret(std::string text)
{
    for (auto at = text.find(Secret); at != std::string::npos; at = text.find(Secret, at))
        text.replace(at, Secret.size(), "[REDACTED]");
    return text;
}

class StdRegexEngine
{
public:
    explicit StdRegexEngine(bool useTriggers) : useTriggers_(useTriggers)
    {
        for (const auto& p : patterns)
            regexes_.emplace_back(p.ecma, p.caseless ? std::regex::ECMAScript | std::regex::icase : std::regex::ECMAScript);
    }

    std::string redact(const std::string& input) const
    {
        std::string text = replaceSecret(input);
        const std::string lowered = lower(input);
        for (std::size_t r = 0; r < patterns.size(); ++r)
        {
            if (useTriggers_ && !triggered(patterns[r], lowered))
                continue;
            std::string out;
            std::size_t copied = 0;
            bool changed = false;
            for (auto it = std::sregex_iterator(text.begin(), text.end(), regexes_[r]); it != std::sregex_iterator(); ++it)
            {
                const std::smatch& m = *it;
                for (std::size_t group : patterns[r].ecmaValues)
                    if (m[group].matched)
                    {
                        const std::size_t start = static_cast<std::size_t>(m.position(group));
                        if (m.length(group) > 0 && start >= copied)
                        {
                            out.append(text, copied, start - copied);
                            out += "[REDACTED]";
                            copied = start + static_cast<std::size_t>(m.length(group));
                            changed = true;
                        }
                        break;
                    }
            }
            if (changed)
            {
                out.append(text, copied, std::string::npos);
                text = out;
            }
        }
        return text;
    }

private:
    bool useTriggers_;
    std::vector<std::regex> regexes_;
};

/// PCRE with the same patterns but no pre-checks (every pattern scans every line).
class PcreNoTriggers
{
public:
    PcreNoTriggers()
    {
        for (const auto& p : patterns)
            regexes_.emplace_back(std::make_unique<Poco::RegularExpression>(
                p.pcre, p.caseless ? Poco::RegularExpression::RE_CASELESS : 0, true));
    }

    std::string redact(const std::string& input) const
    {
        std::string text = replaceSecret(input);
        for (std::size_t r = 0; r < patterns.size(); ++r)
        {
            Poco::RegularExpression::MatchVec m;
            std::string out;
            std::size_t position = 0, copied = 0;
            bool changed = false;
            while (position <= text.size() && regexes_[r]->match(text, position, m) > 0)
            {
                std::size_t start = m[0].offset, length = m[0].length;
                for (std::size_t group : patterns[r].pcreValues)
                    if (group < m.size() && m[group].offset != std::string::npos)
                    {
                        start = m[group].offset;
                        length = m[group].length;
                        break;
                    }
                if (length > 0 && start >= copied)
                {
                    out.append(text, copied, start - copied);
                    out += "[REDACTED]";
                    copied = start + length;
                    changed = true;
                }
                position = m[0].offset + std::max<std::size_t>(m[0].length, 1);
            }
            if (changed)
            {
                out.append(text, copied, std::string::npos);
                text = out;
            }
        }
        return text;
    }

private:
    std::vector<std::unique_ptr<Poco::RegularExpression>> regexes_;
};

/// This thread's CPU time in ns: on a shared, loaded machine wall time would mostly measure
/// the waits for a core.
double cpuNs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

template <typename Work>
double nsPerLine(const std::vector<std::string>& lines, std::size_t total, Work work)
{
    const double start = cpuNs();
    for (std::size_t i = 0; i < total; ++i)
        work(lines[i % lines.size()]);
    return (cpuNs() - start) / static_cast<double>(total);
}

} // namespace

int main(int argc, char** argv)
{
    const std::size_t total = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200000;
    std::vector<std::string> lines = corpus();
    // 10% of the lines carry a secret.
    const std::vector<std::string> withSecret(lines.begin(), lines.end());
    std::vector<std::string> mixed;
    std::size_t secretLines = 0;
    for (const auto& line : withSecret)
    {
        const bool hasSecret = line.find("sk-proj") != std::string::npos || line.find("api_key") != std::string::npos ||
                               line.find("Bearer") != std::string::npos;
        if (hasSecret)
            for (int i = 0; i < 3; ++i, ++secretLines)
                mixed.push_back(line);
        else
            mixed.push_back(line);
    }
    lines = mixed;

    RedactionRules rules;
    rules.secrets = {Secret};
    const Redactor shipped(rules);
    const StdRegexEngine stdWithTriggers(true);
    const StdRegexEngine stdNoTriggers(false);
    const PcreNoTriggers pcreNoTriggers;

    // Same output from every engine, and every secret gone.
    int disagreements = 0;
    for (const auto& line : lines)
    {
        const std::string expected = shipped.redacted(line);
        for (const std::string& other : {stdWithTriggers.redact(line), stdNoTriggers.redact(line), pcreNoTriggers.redact(line)})
            if (other != expected)
            {
                ++disagreements;
                std::fprintf(stderr, "engines disagree on:\n  %s\n  shipped: %s\n  other:   %s\n", line.c_str(),
                             expected.c_str(), other.c_str());
            }
        if (expected.find("sk-proj") != std::string::npos || expected.find("abc123") != std::string::npos ||
            expected.find(Secret) != std::string::npos)
        {
            ++disagreements;
            std::fprintf(stderr, "a secret survived: %s\n", expected.c_str());
        }
    }

    std::size_t sink = 0;
    std::string out;
    const double shippedNs = nsPerLine(lines, total, [&](const std::string& l) { sink += shipped.redact(l, out) ? out.size() : l.size(); });
    const double pcreNs = nsPerLine(lines, total, [&](const std::string& l) { sink += pcreNoTriggers.redact(l).size(); });
    const std::size_t stdTotal = std::max<std::size_t>(total / 10, 1); // std::regex is slow: fewer rounds
    const double stdTrigNs = nsPerLine(lines, stdTotal, [&](const std::string& l) { sink += stdWithTriggers.redact(l).size(); });
    const double stdNs = nsPerLine(lines, stdTotal, [&](const std::string& l) { sink += stdNoTriggers.redact(l).size(); });

    // Through the LogFilter interface, as the log pipeline runs it on its own copy of a line.
    const RedactionFilter filter(std::make_shared<const Redactor>(rules));
    const portico::LogFilter& asFilter = filter;
    std::string copy;
    const double plainNs = nsPerLine(lines, total, [&](const std::string& l) { copy = l; sink += copy.size(); });
    const double filteredNs = nsPerLine(lines, total, [&](const std::string& l) {
        copy = l;
        asFilter.apply(copy);
        sink += copy.size();
    });
    std::vector<std::string> cleanOnly;
    for (const auto& line : lines)
        if (shipped.redacted(line) == line)
            cleanOnly.push_back(line);
    const double cleanNs = nsPerLine(cleanOnly, total, [&](const std::string& l) { sink += shipped.redact(l, out) ? 1 : 0; });

    std::printf("redaction bench: %zu lines (%zu distinct, %.0f%% with a secret)\n", total, lines.size(),
                100.0 * static_cast<double>(secretLines) / static_cast<double>(lines.size()));
    std::printf("  Redactor as shipped (PCRE + pre-checks)  %9.0f ns/line   (clean lines only: %.0f ns)\n", shippedNs, cleanNs);
    std::printf("  PCRE, no pre-checks                      %9.0f ns/line\n", pcreNs);
    std::printf("  std::regex + pre-checks                  %9.0f ns/line\n", stdTrigNs);
    std::printf("  std::regex, no pre-checks                %9.0f ns/line\n", stdNs);
    std::printf("  copy of the line                         %9.0f ns/line\n", plainNs);
    std::printf("  copy -> RedactionFilter (LogFilter)      %9.0f ns/line   (redaction adds %.0f ns)\n", filteredNs,
                filteredNs - plainNs);
    std::printf("  (checksum %zu)\n", sink);
    if (disagreements)
    {
        std::fprintf(stderr, "%d disagreement(s)\n", disagreements);
        return 1;
    }
    return 0;
}
