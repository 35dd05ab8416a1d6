#pragma once
// The token reservation made before a request runs, settled with the real usage afterwards.
//
// Input: one token per four bytes of request body, rounded up (the usual rule of thumb for
// English text with BPE tokenizers; the settlement corrects it). Output: the request's own
// ceiling, the first present of max_output_tokens (Responses API), max_completion_tokens and
// max_tokens (Chat Completions), read from the top level of a JSON body; none means 0.

#include <string>

namespace portico::ratelimit {

struct TokenEstimate
{
    long long input = 0;
    long long output = 0;

    long long total() const { return input + output; }

    /// Never throws: a body that is not JSON counts by its size only.
    static TokenEstimate fromBody(const std::string& body);
};

/// A decimal attribute value (usage.*), or -1 when absent or not a non-negative integer.
long long parseCount(const std::string* text);

} // namespace portico::ratelimit
