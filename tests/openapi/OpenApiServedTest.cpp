// The OpenAPI document of a running porticod with every plugin: GET /openapi.json, the same
// document from --openapi, server.openapi = false, and the --openapi-diff command's exit codes.
#include "HttpClient.h"
#include "PorticodProcess.h"
#include "TempDir.h"
#include "openapi/CanonicalJson.h"
#include "portico/Version.h"
#include "Poco/JSON/Array.h"
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::test;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

// The keys-file line of the key "sk-openapi-test" (auth must be ready; no request here sends it).
const char* const KeysLine = "tester sha256:be7f3aef877a426d8189d9d5a55015a2086eff1b852f81d4e971f29844716744\n";

std::string fullChain(const std::string& keysFile, const std::string& serverExtra = "")
{
    return "[server]\nlisten = 127.0.0.1:{port}\n" + serverExtra +
           "[plugins]\norder = tracing, security, metrics, cors, auth, ratelimit, idempotency, openai\n"
           "[cors]\nallow_origins = https://app.example.com\n"
           "[auth]\nkeys_file = " + keysFile + "\nexempt = /healthz, /readyz, /openapi.json\n";
}

Object::Ptr parse(const std::string& text)
{
    return portico::parseJson(text, "document").extract<Object::Ptr>();
}

/// document.paths[path][method], failing the test when it is absent.
Object::Ptr operation(const Object::Ptr& document, const std::string& path, const std::string& method)
{
    const Object::Ptr item = document->getObject("paths")->getObject(path);
    CPPUNIT_ASSERT_MESSAGE("no path " + path, item);
    const Object::Ptr op = item->getObject(method);
    CPPUNIT_ASSERT_MESSAGE("no " + method + " " + path, op);
    return op;
}

Object::Ptr response(const Object::Ptr& op, const std::string& status)
{
    return op->getObject("responses")->getObject(status);
}

bool hasHeader(const Object::Ptr& response, const std::string& name)
{
    return response && response->getObject("headers") && response->getObject("headers")->has(name);
}

bool hasHeaderParameter(const Object::Ptr& op, const std::string& name)
{
    const Array::Ptr parameters = op->getArray("parameters");
    for (std::size_t i = 0; parameters && i < parameters->size(); ++i)
    {
        const Object::Ptr parameter = parameters->getObject(static_cast<unsigned>(i));
        if (parameter->getValue<std::string>("in") == "header" && parameter->getValue<std::string>("name") == name)
            return true;
    }
    return false;
}

std::string fixture(const std::string& name)
{
    return std::string(PORTICO_SOURCE_DIR) + "/tests/openapi/fixtures/" + name;
}

} // namespace

class OpenApiServedTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(OpenApiServedTest);
    CPPUNIT_TEST(servedDocumentDescribesTheWholeChain);
    CPPUNIT_TEST(printedDocumentIsTheServedOne);
    CPPUNIT_TEST(switchedOffAndDescribedByTheChainOnly);
    CPPUNIT_TEST(diffCommandExitCodes);
    CPPUNIT_TEST_SUITE_END();

public:
    void servedDocumentDescribesTheWholeChain()
    {
        TempDir dir;
        PorticodProcess porticod(fullChain(dir.write("keys", KeysLine)));
        const HttpResult answer = httpRequest(porticod.port(), "GET", "/openapi.json");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(answer.body, 200, answer.status);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), answer.header("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), answer.header("X-Trace-Id").size());
        const Object::Ptr document = parse(answer.body);
        CPPUNIT_ASSERT_EQUAL(std::string("3.1.0"), document->getValue<std::string>("openapi"));
        CPPUNIT_ASSERT_EQUAL(std::string(PORTICO_VERSION), document->getObject("info")->getValue<std::string>("version"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(8), document->getArray("x-portico-chain")->size());

        // Every answer of every operation carries the trace id with its pattern; errors the error schema.
        const Object::Ptr paths = document->getObject("paths");
        std::vector<std::string> pathNames;
        paths->getNames(pathNames);
        for (const auto& path : pathNames)
        {
            std::vector<std::string> methods;
            paths->getObject(path)->getNames(methods);
            for (const auto& method : methods)
            {
                const Object::Ptr responses = operation(document, path, method)->getObject("responses");
                std::vector<std::string> statuses;
                responses->getNames(statuses);
                for (const auto& status : statuses)
                {
                    const std::string where = method + " " + path + " " + status;
                    const Object::Ptr r = responses->getObject(status);
                    CPPUNIT_ASSERT_MESSAGE(where + ": X-Trace-Id", hasHeader(r, "X-Trace-Id"));
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(where, std::string("^[0-9a-f]{32}$"),
                                                 r->getObject("headers")->getObject("X-Trace-Id")->getObject("schema")->getValue<std::string>("pattern"));
                    CPPUNIT_ASSERT_MESSAGE(where + ": X-Request-Id", hasHeader(r, "X-Request-Id"));
                    CPPUNIT_ASSERT_MESSAGE(where + ": security headers", hasHeader(r, "X-Content-Type-Options"));
                    CPPUNIT_ASSERT_MESSAGE(where + ": cors headers", hasHeader(r, "Access-Control-Allow-Origin") &&
                                                                         hasHeader(r, "Access-Control-Expose-Headers") &&
                                                                         hasHeader(r, "Vary"));
                    // Anthropic's Messages API answers its errors in Anthropic's shape.
                    const bool anthropic = path.compare(0, 12, "/v1/messages") == 0;
                    if (status[0] == '4' || status[0] == '5')
                        CPPUNIT_ASSERT_EQUAL_MESSAGE(where, std::string(anthropic ? "#/components/schemas/AnthropicError"
                                                                                  : "#/components/schemas/Error"),
                                                     r->getObject("content")->getObject("application/json")->getObject("schema")->getValue<std::string>("$ref"));
                }
            }
        }

        // auth: bearer on the guarded routes, none on the exempt ones.
        const Object::Ptr chat = operation(document, "/v1/chat/completions", "post");
        CPPUNIT_ASSERT_EQUAL(std::string("bearer"), document->getObject("components")->getObject("securitySchemes")->getObject("bearerAuth")->getValue<std::string>("scheme"));
        CPPUNIT_ASSERT(chat->getArray("security") && chat->getArray("security")->getObject(0)->has("bearerAuth"));
        CPPUNIT_ASSERT(response(chat, "401"));
        const Object::Ptr health = operation(document, "/healthz", "get");
        CPPUNIT_ASSERT(!health->has("security"));
        CPPUNIT_ASSERT(!response(health, "401"));

        // cors: the Origin header, with how a preflight is answered, on every operation.
        CPPUNIT_ASSERT(hasHeaderParameter(chat, "Origin"));
        CPPUNIT_ASSERT(hasHeaderParameter(health, "Origin"));

        // ratelimit: 429 with Retry-After and x-ratelimit-* on limited routes, not on /metrics.
        const Object::Ptr embeddings = operation(document, "/v1/embeddings", "post");
        CPPUNIT_ASSERT(hasHeader(response(embeddings, "429"), "Retry-After"));
        CPPUNIT_ASSERT(hasHeader(response(embeddings, "200"), "x-ratelimit-remaining-requests"));
        const Object::Ptr metrics = operation(document, "/metrics", "get");
        CPPUNIT_ASSERT(!response(metrics, "429"));
        CPPUNIT_ASSERT(!hasHeader(response(metrics, "200"), "x-ratelimit-remaining-requests"));
        CPPUNIT_ASSERT(response(metrics, "200")->getObject("content")->has("text/plain; version=0.0.4"));

        // idempotency: on its POST routes only.
        const Object::Ptr responses = operation(document, "/v1/responses", "post");
        CPPUNIT_ASSERT(hasHeaderParameter(responses, "Idempotency-Key"));
        CPPUNIT_ASSERT(hasHeader(response(responses, "200"), "Idempotent-Replayed"));
        CPPUNIT_ASSERT(response(responses, "409") && response(responses, "422"));
        CPPUNIT_ASSERT(response(responses, "200")->getObject("content")->has("text/event-stream"));
        const Object::Ptr models = operation(document, "/v1/models", "get");
        CPPUNIT_ASSERT(!hasHeaderParameter(models, "Idempotency-Key"));
        CPPUNIT_ASSERT(!response(models, "409"));

        // openai: the path parameter is declared and the 404 is there.
        const Object::Ptr model = operation(document, "/v1/models/{id}", "get");
        CPPUNIT_ASSERT_EQUAL(std::string("id"), model->getArray("parameters")->getObject(0)->getValue<std::string>("name"));
        CPPUNIT_ASSERT(response(model, "404"));
    }

    void printedDocumentIsTheServedOne()
    {
        TempDir dir;
        PorticodProcess porticod(fullChain(dir.write("keys", KeysLine)));
        const HttpResult served = httpRequest(porticod.port(), "GET", "/openapi.json");
        CPPUNIT_ASSERT_EQUAL(200, served.status);
        const CommandResult printed = runPorticod({"--config=" + porticod.configPath(), "--openapi"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(printed.output, 0, printed.exitCode);
        CPPUNIT_ASSERT_EQUAL(served.body, printed.output);
    }

    void switchedOffAndDescribedByTheChainOnly()
    {
        PorticodProcess porticod("[server]\nlisten = 127.0.0.1:{port}\nopenapi = false\n[plugins]\norder = tracing\n");
        const HttpResult answer = httpRequest(porticod.port(), "GET", "/openapi.json");
        CPPUNIT_ASSERT_EQUAL(404, answer.status);
        const CommandResult printed = runPorticod({"--config=" + porticod.configPath(), "--openapi"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(printed.output, 0, printed.exitCode);
        const Object::Ptr paths = parse(printed.output)->getObject("paths");
        std::vector<std::string> names;
        paths->getNames(names);
        CPPUNIT_ASSERT_EQUAL(std::string("/healthz /readyz"), names.at(0) + " " + names.at(1));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), names.size());
        // Without auth, ratelimit and security nothing of theirs is described.
        const std::string text = printed.output;
        for (const char* absent : {"bearerAuth", "x-ratelimit", "Idempotency-Key", "X-Frame-Options", "\"429\""})
            CPPUNIT_ASSERT_MESSAGE(absent, text.find(absent) == std::string::npos);
        CPPUNIT_ASSERT(text.find("X-Trace-Id") != std::string::npos);
    }

    void diffCommandExitCodes()
    {
        const CommandResult breaking = runPorticod({"--openapi-diff", fixture("base.json"), fixture("removed-path.json")});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(breaking.output, 1, breaking.exitCode);
        CPPUNIT_ASSERT_MESSAGE(breaking.output, breaking.output.find("BREAKING: /healthz: path removed\n") != std::string::npos);
        const CommandResult additive = runPorticod({"--openapi-diff", fixture("base.json"), fixture("additive.json")});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(additive.output, 0, additive.exitCode);
        CPPUNIT_ASSERT_MESSAGE(additive.output, additive.output.find("note: /v1/responses: path added\n") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(additive.output, additive.output.find("0 breaking change(s)") != std::string::npos);
        const CommandResult missing = runPorticod({"--openapi-diff", fixture("base.json"), fixture("no-such.json")});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(missing.output, 2, missing.exitCode);
        CPPUNIT_ASSERT_MESSAGE(missing.output, missing.output.find("no-such.json: cannot read") != std::string::npos);
        const CommandResult oneFile = runPorticod({"--openapi-diff", fixture("base.json")});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(oneFile.output, 64, oneFile.exitCode);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OpenApiServedTest);
