// The breaking-change checker against the fixture documents in fixtures/: each candidate makes
// one kind of change to base.json; the checker must name it as breaking (or, for
// additive.json, pass with notes only).
#include "openapi/CanonicalJson.h"
#include "openapi/OpenApiDiff.h"
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <fstream>
#include <sstream>

using portico::OpenApiDiff;
using portico::OpenApiDiffResult;

namespace {

Poco::JSON::Object::Ptr fixture(const std::string& name)
{
    const std::string path = std::string(PORTICO_SOURCE_DIR) + "/tests/openapi/fixtures/" + name;
    std::ifstream in(path);
    CPPUNIT_ASSERT_MESSAGE("cannot read " + path, in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return portico::parseJson(text.str(), path).extract<Poco::JSON::Object::Ptr>();
}

OpenApiDiffResult against(const std::string& candidate)
{
    return OpenApiDiff::compare(fixture("base.json"), fixture(candidate));
}

std::string listing(const std::vector<std::string>& lines)
{
    std::string text;
    for (const auto& line : lines)
        text += "\n  " + line;
    return text.empty() ? " (none)" : text;
}

/// The breaking findings are exactly `expected` (one change can break several operations).
void assertBreakingAll(const std::string& candidate, const std::vector<std::string>& expected)
{
    const OpenApiDiffResult result = against(candidate);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(candidate + ": breaking findings:" + listing(result.breaking) + "\nexpected:" +
                                     listing(expected),
                                 listing(expected), listing(result.breaking));
}

void assertBreaking(const std::string& candidate, const std::string& expected)
{
    assertBreakingAll(candidate, {expected});
}

bool contains(const std::vector<std::string>& lines, const std::string& line)
{
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

} // namespace

class OpenApiDiffTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(OpenApiDiffTest);
    CPPUNIT_TEST(identicalDocumentsHaveNoFindings);
    CPPUNIT_TEST(removedPath);
    CPPUNIT_TEST(removedMethod);
    CPPUNIT_TEST(removedSuccessResponse);
    CPPUNIT_TEST(removedResponseProperty);
    CPPUNIT_TEST(newRequiredRequestProperty);
    CPPUNIT_TEST(optionalRequestPropertyBecomesRequired);
    CPPUNIT_TEST(newRequiredParameter);
    CPPUNIT_TEST(optionalParameterBecomesRequired);
    CPPUNIT_TEST(narrowedEnum);
    CPPUNIT_TEST(changedRequestType);
    CPPUNIT_TEST(changedResponseTypeThroughCyclicSchema);
    CPPUNIT_TEST(additiveChangePassesWithNotes);
    CPPUNIT_TEST(reverseOfAdditiveChangeIsBreaking);
    CPPUNIT_TEST_SUITE_END();

public:
    void identicalDocumentsHaveNoFindings()
    {
        const OpenApiDiffResult result = against("base.json");
        CPPUNIT_ASSERT_MESSAGE(listing(result.breaking), result.breaking.empty());
        CPPUNIT_ASSERT_MESSAGE(listing(result.notes), result.notes.empty());
    }

    void removedPath() { assertBreaking("removed-path.json", "/healthz: path removed"); }
    void removedMethod() { assertBreaking("removed-method.json", "DELETE /v1/models: operation removed"); }
    void removedSuccessResponse()
    {
        assertBreaking("removed-2xx-response.json", "POST /v1/embeddings: response 201 removed");
    }
    void removedResponseProperty()
    {
        // Both success responses use the schema that lost the property.
        assertBreakingAll("removed-response-property.json",
                          {"POST /v1/embeddings: response 200 (application/json).usage: response property "
                        "'total_tokens' removed",
                        "POST /v1/embeddings: response 201 (application/json).usage: response property "
                        "'total_tokens' removed"});
    }
    void newRequiredRequestProperty()
    {
        assertBreaking("new-required-property.json",
                       "POST /v1/embeddings: request body (application/json): request property 'project' added as "
                       "required");
    }
    void optionalRequestPropertyBecomesRequired()
    {
        assertBreaking("now-required-property.json",
                       "POST /v1/embeddings: request body (application/json): request property 'dimensions' is now "
                       "required");
    }
    void newRequiredParameter()
    {
        assertBreaking("new-required-parameter.json",
                       "POST /v1/embeddings: parameter 'header:x-project' added as required");
    }
    void optionalParameterBecomesRequired()
    {
        assertBreaking("now-required-parameter.json", "POST /v1/embeddings: parameter 'header:x-tenant' is now required");
    }
    void narrowedEnum()
    {
        assertBreaking("narrowed-enum.json",
                       "POST /v1/embeddings: request body (application/json).encoding_format: enum narrowed "
                       "(removed \"base64\")");
    }
    void changedRequestType()
    {
        assertBreaking("changed-type.json",
                       "POST /v1/embeddings: request body (application/json).dimensions: type changed from integer "
                       "to string");
    }
    void changedResponseTypeThroughCyclicSchema()
    {
        // Model.children holds Models: the walk must end, and find the change once.
        assertBreaking("changed-response-type.json",
                       "GET /v1/models: response 200 (application/json).data[].id: type changed from string to "
                       "null, string");
    }
    void additiveChangePassesWithNotes()
    {
        const OpenApiDiffResult result = against("additive.json");
        CPPUNIT_ASSERT_MESSAGE("breaking:" + listing(result.breaking), result.breaking.empty());
        for (const char* expected :
             {"/v1/responses: path added", "HEAD /healthz: operation added", "POST /v1/embeddings: response 429 added",
              "POST /v1/embeddings: response 200: header 'x-ratelimit-limit-requests' added",
              "POST /v1/embeddings: parameter 'header:idempotency-key' added (optional)",
              "POST /v1/embeddings: request body (application/json): request property 'metadata' added",
              "POST /v1/embeddings: request body (application/json).encoding_format: enum widened (added \"int8\")",
              "POST /v1/embeddings: response 200 (application/json): response property 'model' added",
              "GET /v1/models: response 200 (application/json).data[]: response property 'created' added"})
            CPPUNIT_ASSERT_MESSAGE(std::string("missing note: ") + expected + "\nnotes:" + listing(result.notes),
                                   contains(result.notes, expected));
    }
    void reverseOfAdditiveChangeIsBreaking()
    {
        // Going back from additive.json removes what it added: paths, a method, a header and
        // response properties are gone, and the enum loses a value.
        const OpenApiDiffResult result = OpenApiDiff::compare(fixture("additive.json"), fixture("base.json"));
        for (const char* expected :
             {"/v1/responses: path removed", "HEAD /healthz: operation removed",
              "POST /v1/embeddings: response 200: header 'x-ratelimit-limit-requests' removed",
              "POST /v1/embeddings: request body (application/json).encoding_format: enum narrowed (removed \"int8\")",
              "GET /v1/models: response 200 (application/json).data[]: response property 'created' removed"})
            CPPUNIT_ASSERT_MESSAGE(std::string("missing: ") + expected + "\nbreaking:" + listing(result.breaking),
                                   contains(result.breaking, expected));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OpenApiDiffTest);
