#pragma once
// The breaking-change check between two OpenAPI 3.x documents (porticod --openapi-diff BASE
// CANDIDATE): what a client written against BASE would trip over in CANDIDATE.
//
// Breaking: a removed path or operation; a removed 2xx response; a removed response property
// (or response media type); a new required request property, request body or parameter (or an
// optional one that became required); a narrowed enum in a request or parameter (a value the
// client may send is refused); a changed type anywhere. Everything else that differs and adds
// something (paths, operations, responses, optional properties, enum values) is a note.
//
// Schemas are compared through local $refs ("#/components/schemas/X"); recursion stops at a
// schema pair already being compared, so cyclic schemas terminate.

#include "Poco/JSON/Object.h"
#include <string>
#include <vector>

namespace portico {

struct OpenApiDiffResult
{
    /// "POST /v1/embeddings: request property 'input' ... " lines, one per finding.
    std::vector<std::string> breaking;
    std::vector<std::string> notes;
};

class OpenApiDiff
{
public:
    static OpenApiDiffResult compare(const Poco::JSON::Object::Ptr& base, const Poco::JSON::Object::Ptr& candidate);

    /// The command: reads both files, prints "BREAKING: ..." and "note: ..." lines to `out` and a
    /// summary; returns 0 (no breaking change), 1 (breaking changes) or 2 (unreadable input,
    /// reason on `err`).
    static int run(const std::string& baseFile, const std::string& candidateFile, std::ostream& out,
                   std::ostream& err);
};

} // namespace portico
