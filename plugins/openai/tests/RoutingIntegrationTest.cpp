// The model catalog (routing/) in the installed porticod over real sockets:
// - the shipped config (the stage's etc/portico/portico.ini, only its port changed) answers the
//   README's verification commands, run with curl as a user would, with its aliases
//   lukhas-embed and lukhas-response;
// - config/examples/failover.ini as shipped (only its plugin path set), on its fixed ports,
//   with two porticods on 9101 and 9102 as its upstreams: the even split, failover when one is
//   killed (streams too, before their first event), resting the dead one, and the local
//   portico-echo fallback when both are gone;
// - configs of the test's own against a refused port and in-process fake upstreams
//   (FakeUpstream, ScriptedServer from upstream/tests): 503 model_unavailable once every
//   deployment rests, failover on a 503, no failover on a 400 (the client gets it as sent),
//   streams that fail over before their first event and not after it, a resting deployment's
//   half-open probe (failing, then bringing it back), default_model.

#include "FakeUpstream.h"
#include "HttpClient.h"
#include "PorticodProcess.h"
#include "TestAsserts.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include "Poco/Net/NameValueCollection.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/StreamSocket.h"
#include "Poco/Pipe.h"
#include "Poco/PipeStream.h"
#include "Poco/Process.h"
#include "Poco/StreamCopier.h"
#include "Poco/String.h"
#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <iostream>
#include <cppunit/extensions/HelperMacros.h>
#include <cstdio>
#include <cstring>
#include <map>
#include <netinet/in.h>
#include <random>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <tuple>
#include <unistd.h>

using namespace portico::test;
using portico::openai::test::FakeUpstream;
using portico::openai::test::ScriptedServer;
using portico::openai::test::SeenRequest;
using Clock = std::chrono::steady_clock;

namespace {

// ---- curl, as a user runs it ----

struct CurlRun
{
    int exitCode = -1;
    std::string out;
    std::string err;
    std::string command; ///< for messages
};

/// Runs curl with `args` (and a --max-time bound) to completion.
CurlRun curl(const std::vector<std::string>& args, int maxSeconds = 20)
{
    std::vector<std::string> all = args;
    all.push_back("--max-time");
    all.push_back(std::to_string(maxSeconds));
    CurlRun run;
    run.command = "curl";
    for (const auto& arg : args)
        run.command += " '" + arg + "'";
    Poco::Pipe out, err;
    Poco::ProcessHandle handle = Poco::Process::launch("curl", all, nullptr, &out, &err);
    Poco::PipeInputStream outStream(out);
    Poco::PipeInputStream errStream(err);
    // curl -s writes (almost) nothing to stderr: reading one pipe after the other cannot block.
    Poco::StreamCopier::copyToString(outStream, run.out);
    Poco::StreamCopier::copyToString(errStream, run.err);
    run.exitCode = handle.wait();
    return run;
}

/// An answer's head as curl -i / -I prints it.
struct Head
{
    int status = 0;
    Poco::Net::NameValueCollection fields; // case-insensitive
    std::string text;

    std::string get(const std::string& name) const { return fields.get(name, ""); }
    bool has(const std::string& name) const { return fields.has(name); }
};

/// The head (the last one, after any 1xx) and the body of curl -i output.
std::pair<Head, std::string> splitAnswer(const std::string& output)
{
    std::string rest = output;
    for (;;)
    {
        const auto end = rest.find("\r\n\r\n");
        const std::string head = rest.substr(0, end);
        rest = end == std::string::npos ? "" : rest.substr(end + 4);
        Head parsed;
        parsed.text = head;
        std::size_t lineStart = 0;
        bool first = true;
        while (lineStart < head.size())
        {
            auto lineEnd = head.find("\r\n", lineStart);
            if (lineEnd == std::string::npos)
                lineEnd = head.size();
            const std::string line = head.substr(lineStart, lineEnd - lineStart);
            lineStart = lineEnd + 2;
            if (first)
            {
                first = false;
                const auto space = line.find(' ');
                if (space != std::string::npos)
                    parsed.status = std::atoi(line.c_str() + space + 1);
                continue;
            }
            const auto colon = line.find(':');
            if (colon != std::string::npos)
                parsed.fields.add(line.substr(0, colon), Poco::trim(line.substr(colon + 1)));
        }
        if (parsed.status >= 200 || rest.empty())
            return {parsed, rest};
    }
}

bool isLowerHex(const std::string& text, std::size_t length)
{
    return text.size() == length && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

bool isNumber(const std::string& text)
{
    return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

Poco::JSON::Object::Ptr json(const std::string& text)
{
    try
    {
        return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    }
    catch (const std::exception&)
    {
        CPPUNIT_FAIL("not a JSON object: " + text);
    }
    return nullptr;
}

/// One SSE event: its `event:` name (empty when none) and its `data:` text.
struct Event
{
    std::string name;
    std::string data;
};

std::vector<Event> eventsOf(const std::string& body)
{
    std::vector<Event> events;
    std::size_t at = 0;
    while (at < body.size())
    {
        auto end = body.find("\n\n", at);
        if (end == std::string::npos)
            end = body.size();
        const std::string block = body.substr(at, end - at);
        at = end + 2;
        Event event;
        std::size_t lineStart = 0;
        while (lineStart < block.size())
        {
            auto lineEnd = block.find('\n', lineStart);
            if (lineEnd == std::string::npos)
                lineEnd = block.size();
            const std::string line = block.substr(lineStart, lineEnd - lineStart);
            lineStart = lineEnd + 1;
            if (line.rfind("event: ", 0) == 0)
                event.name = line.substr(7);
            else if (line.rfind("data: ", 0) == 0)
                event.data += line.substr(6);
        }
        if (!event.name.empty() || !event.data.empty())
            events.push_back(event);
    }
    return events;
}

std::size_t occurrences(const std::string& text, const std::string& part)
{
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
        ++n;
    return n;
}

std::string randomKey()
{
    std::random_device device;
    return "routing-it-" + std::to_string(device()) + "-" + std::to_string(device());
}

/// A chat completion stream's text (the content deltas) and whether it ended with [DONE].
std::pair<std::string, bool> chatStreamText(const std::string& body)
{
    std::string text;
    bool done = false;
    for (const Event& event : eventsOf(body))
    {
        if (event.data == "[DONE]")
        {
            done = true;
            continue;
        }
        const auto chunk = json(event.data);
        const auto choices = chunk->getArray("choices");
        for (std::size_t i = 0; choices && i < choices->size(); ++i)
        {
            const auto delta = choices->getObject(i)->getObject("delta");
            if (delta && delta->has("content") && !delta->isNull("content"))
                text += delta->getValue<std::string>("content");
        }
    }
    return {text, done};
}

// ---- fixed ports ----

/// Why 127.0.0.1:`port` cannot be used ("" when it can): something accepts connections on it,
/// or it cannot be bound.
std::string portProblem(unsigned short port)
{
    try
    {
        Poco::Net::StreamSocket probe;
        probe.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(0, 500000));
        return "something accepts connections on 127.0.0.1:" + std::to_string(port);
    }
    catch (const std::exception&)
    {
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return std::string("socket() failed: ") + std::strerror(errno);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string problem;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        problem = "cannot bind 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
    ::close(fd);
    return problem;
}

/// Starts porticod with `config` (which names its own fixed port) and waits until /healthz on
/// `port` answers 200 (20 s at most).
std::unique_ptr<PorticodProcess> startOnFixedPort(const std::string& config, unsigned short port,
                                                  const std::string& what)
{
    PorticodProcess::Options options;
    options.config = config;
    options.waitUntilHealthy = false;
    auto process = std::make_unique<PorticodProcess>(options);
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (process->running() && Clock::now() < deadline)
    {
        try
        {
            if (httpRequest(port, "GET", "/healthz", "", {}, 2).status == 200 && process->running())
                return process;
        }
        catch (const std::exception&)
        {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    CPPUNIT_FAIL(what + " (porticod on 127.0.0.1:" + std::to_string(port) +
                 ") did not become healthy within 20 s; its output:\n" + process->output());
    return nullptr;
}

/// An upstream porticod for the failover example: its local backend on a fixed port, no delay.
std::string upstreamConfig(unsigned short port)
{
    return "[server]\nlisten = 127.0.0.1:" + std::to_string(port) +
           "\n[plugins]\norder = tracing, openai\n[openai]\nlocal.token_delay_ms = 0\n";
}

const std::string chatBody = R"({"model":"chat","messages":[{"role":"user","content":"hello"}]})";
const std::string chatStreamBody = R"({"model":"chat","messages":[{"role":"user","content":"hello over a stream"}],"stream":true})";
const std::map<std::string, std::string> jsonHeaders{{"Content-Type", "application/json"}};

/// The text of a chat completion's first choice.
std::string chatText(const HttpResult& result)
{
    return json(result.body)->getArray("choices")->getObject(0)->getObject("message")->getValue<std::string>("content");
}

std::string describe(const HttpResult& result)
{
    return std::to_string(result.status) + " deployment=" + result.header("X-Portico-Deployment") +
           " attempts=" + result.header("X-Portico-Attempts") + " body=" + result.body;
}

// ---- the fake upstream of the own-config cases ----

std::string modelOf(const std::string& body)
{
    try
    {
        const auto object = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
        return object->optValue<std::string>("model", "");
    }
    catch (const std::exception&)
    {
        return "";
    }
}

const std::string busyBody =
    R"({"error":{"message":"fake upstream overloaded","type":"server_error","param":null,"code":"overloaded"}})";
const std::string badBody =
    R"({"error":{"message":"the fake upstream refuses this","type":"invalid_request_error","param":"messages","code":"fake_refusal"}})";

std::string okBody(const std::string& model)
{
    return R"({"id":"chatcmpl-fake","object":"chat.completion","created":1700000000,"model":")" + model +
           R"(","choices":[{"index":0,"message":{"role":"assistant","content":"fake says hi"},"finish_reason":"stop"}],)"
           R"("usage":{"prompt_tokens":1,"completion_tokens":3,"total_tokens":4}})";
}

std::string chunkEvent(const std::string& model, const std::string& delta, bool last)
{
    return R"(data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1700000000,"model":")" + model +
           R"(","choices":[{"index":0,"delta":)" + (last ? std::string("{}") : R"({"content":")" + delta + R"("})") +
           R"(,"finish_reason":)" + (last ? R"("stop")" : "null") + "}]}\n\n";
}

/// Models starting with "busy" get 503, "bad" 400, "stream" a chat completion stream ("fake
/// streamed" in two deltas), the rest a chat completion.
void fakeAnswer(const SeenRequest& request, Poco::Net::HTTPServerResponse& response)
{
    const std::string model = modelOf(request.body);
    if (model.rfind("stream", 0) == 0)
    {
        response.setChunkedTransferEncoding(true);
        response.setContentType("text/event-stream");
        std::ostream& out = response.send();
        out << chunkEvent(model, "fake", false) << chunkEvent(model, " streamed", false) << chunkEvent(model, "", true)
            << "data: [DONE]\n\n";
        out.flush();
    }
    else if (model.rfind("busy", 0) == 0)
        FakeUpstream::sendJson(response, 503, busyBody);
    else if (model.rfind("bad", 0) == 0)
        FakeUpstream::sendJson(response, 400, badBody);
    else if (model.rfind("long", 0) == 0)
        FakeUpstream::sendJson(response, 400,
                               R"({"error":{"message":"This model's maximum context length is 8192 tokens.",)"
                               R"("type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})");
    else
        FakeUpstream::sendJson(response, 200, okBody(model));
}

std::vector<std::string> modelsSeen(const FakeUpstream& fake)
{
    std::vector<std::string> models;
    for (const auto& request : fake.requests())
        models.push_back(modelOf(request.body));
    return models;
}

std::size_t countOf(const std::vector<std::string>& list, const std::string& value)
{
    return static_cast<std::size_t>(std::count(list.begin(), list.end(), value));
}

std::string joined(const std::vector<std::string>& list)
{
    std::string text;
    for (const auto& item : list)
        text += (text.empty() ? "" : ", ") + item;
    return text;
}

} // namespace

class RoutingIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RoutingIntegrationTest);
    CPPUNIT_TEST(testShippedConfigVerificationCommands);
    CPPUNIT_TEST(testFailoverExampleAsShipped);
    CPPUNIT_TEST(testUnavailableFailoverAndPassThrough);
    CPPUNIT_TEST(testStreamsFailOverOnlyBeforeTheirFirstEvent);
    CPPUNIT_TEST(testRestingDeploymentIsProbedAndComesBack);
    CPPUNIT_TEST(testDefaultModel);
    CPPUNIT_TEST(testContextFallbacks);
    CPPUNIT_TEST_SUITE_END();

public:
    /// The stage's etc/portico/portico.ini with only its listen port changed, and the README's
    /// commands run with curl.
    void testShippedConfigVerificationCommands()
    {
        const std::string shippedPath = stageDir() + "/etc/portico/portico.ini";
        const std::string shipped = readFile(shippedPath);
        CPPUNIT_ASSERT_MESSAGE(shippedPath + " is missing or empty (stage_install)", !shipped.empty());
        const std::string listen = "listen = 127.0.0.1:8000";
        CPPUNIT_ASSERT_EQUAL_MESSAGE("'" + listen + "' in " + shippedPath, std::size_t(1), occurrences(shipped, listen));
        std::string config = shipped;
        config.replace(config.find(listen), listen.size(), "listen = 127.0.0.1:{port}");
        PorticodProcess server(config);
        const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
        const auto context = [&server](const CurlRun& run) {
            return run.command + " exited " + std::to_string(run.exitCode) + "\nstdout:\n" + run.out + "\nstderr:\n" +
                   run.err + "\nporticod:\n" + server.output();
        };

        // 1. curl -sI /healthz: the security headers and a trace id.
        CurlRun run = curl({"-sI", base + "/healthz"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), 0, run.exitCode);
        Head head = splitAnswer(run.out).first;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), 200, head.status);
        const auto assertSecurityHeaders = [&](const Head& h, const CurlRun& r) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(context(r), std::string("max-age=31536000; includeSubDomains"),
                                         h.get("Strict-Transport-Security"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(context(r), std::string("nosniff"), h.get("X-Content-Type-Options"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(context(r), std::string("DENY"), h.get("X-Frame-Options"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(context(r), std::string("no-referrer"), h.get("Referrer-Policy"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(context(r), std::string("default-src 'none'; frame-ancestors 'none'"),
                                         h.get("Content-Security-Policy"));
            CPPUNIT_ASSERT_MESSAGE(context(r), isLowerHex(h.get("X-Trace-Id"), 32));
            CPPUNIT_ASSERT_MESSAGE(context(r), !h.get("X-Request-Id").empty());
        };
        assertSecurityHeaders(head, run);
        // /healthz is exempt from the rate limits in the shipped config.
        CPPUNIT_ASSERT_MESSAGE(context(run), !head.has("x-ratelimit-limit-requests"));

        // 2. curl -sI /v1/models -H "Authorization: Bearer test": trace id and x-ratelimit-*.
        run = curl({"-sI", base + "/v1/models", "-H", "Authorization: Bearer test"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), 0, run.exitCode);
        head = splitAnswer(run.out).first;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), 200, head.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), std::string("application/json"), head.get("Content-Type"));
        assertSecurityHeaders(head, run);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), std::string("40"), head.get("x-ratelimit-limit-requests"));
        const std::string remaining = head.get("x-ratelimit-remaining-requests");
        CPPUNIT_ASSERT_MESSAGE(context(run), isNumber(remaining) && std::stoi(remaining) < 40);
        const std::string reset = head.get("x-ratelimit-reset-requests");
        CPPUNIT_ASSERT_MESSAGE(context(run), !reset.empty() && reset.back() == 's' &&
                                                 std::isdigit(static_cast<unsigned char>(reset.front())));

        // The list itself names the aliases beside the local models.
        run = curl({"-s", base + "/v1/models", "-H", "Authorization: Bearer test"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), 0, run.exitCode);
        const auto list = json(run.out);
        CPPUNIT_ASSERT_EQUAL(std::string("list"), list->getValue<std::string>("object"));
        std::vector<std::string> ids;
        const auto data = list->getArray("data");
        for (std::size_t i = 0; i < data->size(); ++i)
        {
            CPPUNIT_ASSERT_EQUAL(std::string("model"), data->getObject(i)->getValue<std::string>("object"));
            ids.push_back(data->getObject(i)->getValue<std::string>("id"));
        }
        for (const char* id : {"portico-echo", "portico-embed", "lukhas-embed", "lukhas-response"})
            CPPUNIT_ASSERT_MESSAGE(std::string(id) + " not in " + joined(ids), countOf(ids, id) == 1);
        run = curl({"-s", base + "/v1/models/lukhas-embed"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), std::string("lukhas-embed"), json(run.out)->getValue<std::string>("id"));

        // 3. The idempotent embeddings call with lukhas-embed, twice.
        const std::string key = randomKey();
        const std::vector<std::string> embed{"-si",
                                             base + "/v1/embeddings",
                                             "-H",
                                             "Content-Type: application/json",
                                             "-H",
                                             "Idempotency-Key: " + key,
                                             "-d",
                                             R"({"model":"lukhas-embed","input":"hello from lukhas"})"};
        run = curl(embed);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), 0, run.exitCode);
        const auto [firstHead, firstBody] = splitAnswer(run.out);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), 200, firstHead.status);
        CPPUNIT_ASSERT_MESSAGE(context(run), !firstHead.has("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), key, firstHead.get("Idempotency-Key"));
        CPPUNIT_ASSERT_MESSAGE(context(run), isLowerHex(firstHead.get("X-Trace-Id"), 32));
        CPPUNIT_ASSERT_MESSAGE(context(run), firstHead.has("x-ratelimit-remaining-requests"));
        const auto embedding = json(firstBody);
        CPPUNIT_ASSERT_EQUAL(std::string("list"), embedding->getValue<std::string>("object"));
        // The answer names the model that served it (routing/README.md).
        CPPUNIT_ASSERT_EQUAL_MESSAGE(firstBody, std::string("portico-embed"), embedding->getValue<std::string>("model"));
        const auto vectors = embedding->getArray("data");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), vectors->size());
        CPPUNIT_ASSERT_EQUAL(std::string("embedding"), vectors->getObject(0)->getValue<std::string>("object"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(256), vectors->getObject(0)->getArray("embedding")->size()); // the default
        CPPUNIT_ASSERT(embedding->getObject("usage")->getValue<int>("prompt_tokens") > 0);
        // The same vector as portico-embed gives.
        const auto direct = httpRequest(server.port(), "POST", "/v1/embeddings",
                                        R"({"model":"portico-embed","input":"hello from lukhas"})");
        CPPUNIT_ASSERT_EQUAL(200, direct.status);
        std::ostringstream aliasVector, directVector;
        vectors->getObject(0)->getArray("embedding")->stringify(aliasVector);
        json(direct.body)->getArray("data")->getObject(0)->getArray("embedding")->stringify(directVector);
        CPPUNIT_ASSERT_EQUAL(directVector.str(), aliasVector.str());

        // The second call is the replay: byte-identical. (The first's record is stored just
        // after its last byte went out; a 409 "in flight" in that moment says to retry.)
        std::pair<Head, std::string> second;
        for (int attempt = 0;; ++attempt)
        {
            run = curl(embed);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), 0, run.exitCode);
            second = splitAnswer(run.out);
            if (second.first.status != 409 || attempt == 5)
                break;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), std::string("1"), second.first.get("Retry-After"));
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), 200, second.first.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), std::string("true"), second.first.get("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), key, second.first.get("Idempotency-Key"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), firstBody, second.second);
        CPPUNIT_ASSERT_MESSAGE(context(run), isLowerHex(second.first.get("X-Trace-Id"), 32));
        CPPUNIT_ASSERT_MESSAGE(context(run), second.first.get("X-Trace-Id") != firstHead.get("X-Trace-Id"));

        // 4. The lukhas-response stream: response.created ... response.completed.
        const std::string input = "streams under another name";
        run = curl({"-sN", base + "/v1/responses", "-H", "Content-Type: application/json", "-d",
                    R"({"model":"lukhas-response","input":")" + input + R"(","stream":true})"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(run), 0, run.exitCode); // the transfer ended cleanly
        const std::vector<Event> events = eventsOf(run.out);
        std::vector<std::string> types;
        std::string text;
        for (std::size_t i = 0; i < events.size(); ++i)
        {
            const auto data = json(events[i].data);
            const std::string type = data->getValue<std::string>("type");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(run.out, events[i].name, type);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(run.out, static_cast<int>(i), data->getValue<int>("sequence_number"));
            types.push_back(type);
            if (type == "response.output_text.delta")
                text += data->getValue<std::string>("delta");
        }
        const std::size_t deltas = countOf(types, "response.output_text.delta");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(run.out, std::size_t(4), deltas); // "streams", " under", " another", " name"
        std::vector<std::string> expected{"response.created", "response.in_progress", "response.output_item.added",
                                          "response.content_part.added"};
        expected.insert(expected.end(), deltas, "response.output_text.delta");
        for (const char* type : {"response.output_text.done", "response.content_part.done", "response.output_item.done",
                                 "response.completed"})
            expected.push_back(type);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(run.out, joined(expected), joined(types));
        CPPUNIT_ASSERT_EQUAL(input, text);
        const auto completed = json(events.back().data)->getObject("response");
        CPPUNIT_ASSERT_EQUAL(std::string("completed"), completed->getValue<std::string>("status"));
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), completed->getValue<std::string>("model"));
        CPPUNIT_ASSERT_EQUAL(input, completed->getArray("output")
                                        ->getObject(0)
                                        ->getArray("content")
                                        ->getObject(0)
                                        ->getValue<std::string>("text"));
        PORTICO_ASSERT_NOT_CONTAINS(run.out, "[DONE]");

        // The same stream's head: an event stream with the trace id and the rate limits.
        const std::string streamBody = R"({"model":"lukhas-response","input":"head","stream":true})";
        const auto raw = rawRequest(server.port(),
                                    "POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                    "Content-Length: " +
                                        std::to_string(streamBody.size()) + "\r\nConnection: close\r\n\r\n" + streamBody);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(raw.raw, 200, raw.status);
        const std::string streamHead = Poco::toLower(raw.raw.substr(0, raw.raw.find("\r\n\r\n")));
        PORTICO_ASSERT_CONTAINS(streamHead, "content-type: text/event-stream");
        PORTICO_ASSERT_CONTAINS(streamHead, "x-trace-id: ");
        PORTICO_ASSERT_CONTAINS(streamHead, "x-ratelimit-remaining-requests: ");
        PORTICO_ASSERT_CONTAINS(streamHead, "strict-transport-security: ");

        // Tokens are counted under the public name the client asked for, not the local model
        // that served it (routing/README.md). Counted just after each answer: wait for it.
        bool counted = false;
        for (int i = 0; i < 100 && !counted; ++i)
        {
            counted = httpRequest(server.port(), "GET", "/metrics")
                          .body.find("portico_tokens_total{kind=\"output\",model=\"lukhas-response\"}") !=
                      std::string::npos;
            if (!counted)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        CPPUNIT_ASSERT(counted);
    }

    /// config/examples/failover.ini as shipped, only its [plugins] path set, on 8000 with
    /// porticods on 9101 and 9102.
    void testFailoverExampleAsShipped()
    {
        const std::string examplePath = std::string(PORTICO_SOURCE_DIR) + "/config/examples/failover.ini";
        const std::string example = readFile(examplePath);
        CPPUNIT_ASSERT_MESSAGE(examplePath + " is missing or empty", !example.empty());
        const std::string pathLine = "; path = /usr/lib/portico/plugins  ; default: ../lib/portico/plugins beside porticod";
        CPPUNIT_ASSERT_EQUAL_MESSAGE("'" + pathLine + "' in " + examplePath, std::size_t(1), occurrences(example, pathLine));
        std::string config = example;
        config.replace(config.find(pathLine), pathLine.size(), "path = " + stagePluginDir());
        PORTICO_ASSERT_CONTAINS(config, "[server]\nlisten = 127.0.0.1:8000\n");
        PORTICO_ASSERT_CONTAINS(config, "upstreams.one.url = http://127.0.0.1:9101/v1\n");
        PORTICO_ASSERT_CONTAINS(config, "upstreams.two.url = http://127.0.0.1:9102/v1\n");

        for (const unsigned short port : {8000, 9101, 9102})
        {
            const std::string problem = portProblem(port);
            if (!problem.empty())
                CPPUNIT_FAIL("config/examples/failover.ini is run as shipped, on its fixed ports 8000 (porticod) and "
                             "9101, 9102 (its upstreams), but port " +
                             std::to_string(port) + " is not free: " + problem +
                             ". Stop whatever uses it (ss -ltnp 'sport = :" + std::to_string(port) +
                             "' shows it; scripts/dev.sh run listens on 8000) and run the test again.");
        }
        auto one = startOnFixedPort(upstreamConfig(9101), 9101, "upstream one");
        auto two = startOnFixedPort(upstreamConfig(9102), 9102, "upstream two");
        auto gateway = startOnFixedPort(config, 8000, "config/examples/failover.ini");
        const auto where = [&gateway](const HttpResult& result) {
            return describe(result) + "\nporticod (failover.ini) output:\n" + gateway->output();
        };
        const auto chat = [] { return httpRequest(8000, "POST", "/v1/chat/completions", chatBody, jsonHeaders, 15); };

        // /v1/models lists the public name.
        const auto models = httpRequest(8000, "GET", "/v1/models");
        CPPUNIT_ASSERT_EQUAL(200, models.status);
        PORTICO_ASSERT_CONTAINS(models.body, "\"id\":\"chat\"");

        // 1. Equal weights: an even split over 200 requests (binomial, sd ~7: 70..130 is > 4 sd).
        std::map<std::string, int> served;
        for (int i = 0; i < 200; ++i)
        {
            const auto result = chat();
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), 200, result.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("1"), result.header("X-Portico-Attempts"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("hello"), chatText(result));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("portico-echo"),
                                         json(result.body)->getValue<std::string>("model"));
            ++served[result.header("X-Portico-Deployment")];
        }
        const std::string split = "one=" + std::to_string(served["one"]) + " two=" + std::to_string(served["two"]);
        std::cerr << "\n  failover.ini, 200 requests for chat: " << split;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(split, 200, served["one"] + served["two"]);
        CPPUNIT_ASSERT_MESSAGE(split, served["one"] >= 70 && served["two"] >= 70);

        // 2. Upstream two is killed: nothing fails. A stream that picks it first fails over
        // before its first event; after 3 failures two rests and gets no more attempts.
        two->signal(SIGKILL);
        CPPUNIT_ASSERT_EQUAL(128 + SIGKILL, two->waitForExit(10));
        int failovers = 0;
        bool streamFailedOver = false;
        for (int i = 0; i < 100 && !streamFailedOver; ++i)
        {
            const auto result =
                httpRequest(8000, "POST", "/v1/chat/completions", chatStreamBody, jsonHeaders, 15);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), 200, result.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("one"), result.header("X-Portico-Deployment"));
            PORTICO_ASSERT_CONTAINS(result.header("Content-Type"), "text/event-stream");
            const auto [text, done] = chatStreamText(result.body);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("hello over a stream"), text);
            CPPUNIT_ASSERT_MESSAGE(where(result), done);
            const std::string attempts = result.header("X-Portico-Attempts");
            CPPUNIT_ASSERT_MESSAGE(where(result), attempts == "1" || attempts == "2");
            if (attempts == "2")
            {
                ++failovers;
                streamFailedOver = true;
            }
        }
        CPPUNIT_ASSERT_MESSAGE("no stream picked the dead deployment in 100 tries", streamFailedOver);
        for (int i = 0; i < 200 && failovers < 3; ++i)
        {
            const auto result = chat();
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), 200, result.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("one"), result.header("X-Portico-Deployment"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("hello"), chatText(result));
            const std::string attempts = result.header("X-Portico-Attempts");
            CPPUNIT_ASSERT_MESSAGE(where(result), attempts == "1" || attempts == "2");
            failovers += attempts == "2" ? 1 : 0;
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE("failovers to one after two was killed", 3, failovers);
        for (int i = 0; i < 50; ++i)
        {
            const auto result = chat();
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), 200, result.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("one"), result.header("X-Portico-Deployment"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE("two rests after 3 failures: " + where(result), std::string("1"),
                                         result.header("X-Portico-Attempts"));
        }

        // 3. Both killed: the local portico-echo answers. One is the only candidate left (two
        // rests), so the first request, a stream, tries it and then falls back before its first
        // event; after 3 failures one rests too and the fallback answers at the first attempt.
        one->signal(SIGKILL);
        CPPUNIT_ASSERT_EQUAL(128 + SIGKILL, one->waitForExit(10));
        const auto stream = httpRequest(8000, "POST", "/v1/chat/completions", chatStreamBody, jsonHeaders, 15);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(stream), 200, stream.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(stream), std::string("local:portico-echo"),
                                     stream.header("X-Portico-Deployment"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(stream), std::string("2"), stream.header("X-Portico-Attempts"));
        const auto [streamText, streamDone] = chatStreamText(stream.body);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(stream), std::string("hello over a stream"), streamText);
        CPPUNIT_ASSERT_MESSAGE(where(stream), streamDone);
        for (int i = 0; i < 2; ++i)
        {
            const auto result = chat();
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), 200, result.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("local:portico-echo"),
                                         result.header("X-Portico-Deployment"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("2"), result.header("X-Portico-Attempts"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("hello"), chatText(result));
        }
        for (int i = 0; i < 10; ++i)
        {
            const auto result = chat();
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), 200, result.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("local:portico-echo"),
                                         result.header("X-Portico-Deployment"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("1"), result.header("X-Portico-Attempts"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("hello"), chatText(result));
        }
        // Each failover was logged as a warning naming the model and the deployment.
        CPPUNIT_ASSERT_MESSAGE(gateway->output(), gateway->output().find("model 'chat': deployment 'two' failed") !=
                                                       std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(gateway->output(), gateway->output().find("model 'chat': deployment 'one' failed") !=
                                                       std::string::npos);
    }

    /// Two deployments, one on a refused port, no fallbacks, max_attempts 2: everything resting
    /// is a 503 model_unavailable; a 503 fails over; a 400 does not.
    void testUnavailableFailoverAndPassThrough()
    {
        FakeUpstream fake(fakeAnswer);
        const unsigned short refused = freePort();
        PorticodProcess server(ownConfig(refused, fake.url(), false));
        const auto where = [&server](const HttpResult& result) {
            return describe(result) + "\nporticod output:\n" + server.output();
        };
        const auto ask = [&server](const std::string& model) {
            return httpRequest(server.port(), "POST", "/v1/chat/completions",
                               R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}]})",
                               jsonHeaders, 15);
        };

        // Everything cooling: dead (refused) and fake:busy-a (503) both fail each request; after
        // routing.allowed_fails = 2 requests both rest, and the third is refused at once.
        for (int i = 0; i < 2; ++i)
        {
            const auto result = ask("cooling");
            CPPUNIT_ASSERT_MESSAGE(where(result), result.status == 502 || result.status == 503);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(result), std::string("2"), result.header("X-Portico-Attempts"));
            const std::string code = json(result.body)->getObject("error")->optValue<std::string>("code", "");
            CPPUNIT_ASSERT_MESSAGE(where(result), code == "upstream_unreachable" || code == "overloaded");
        }
        const auto unavailable = ask("cooling");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(unavailable), 503, unavailable.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(unavailable), std::string("application/json"),
                                     unavailable.header("Content-Type"));
        const auto error = json(unavailable.body)->getObject("error");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(unavailable), std::string("model_unavailable"),
                                     error->getValue<std::string>("code"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(unavailable), std::string("0"), unavailable.header("X-Portico-Attempts"));
        const std::string retryAfter = unavailable.header("Retry-After");
        // cooldown_ms = 60000: the first comes back in (just under) 60 s.
        CPPUNIT_ASSERT_MESSAGE(where(unavailable),
                               isNumber(retryAfter) && std::stoi(retryAfter) >= 50 && std::stoi(retryAfter) <= 60);
        CPPUNIT_ASSERT_MESSAGE(where(unavailable), isLowerHex(unavailable.header("X-Trace-Id"), 32));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(joined(modelsSeen(fake)), std::size_t(2), countOf(modelsSeen(fake), "busy-a"));

        // A 503 fails over: least_busy tries busy-b (listed first) and then ok-b, whose answer
        // the client gets; the body each got is the client's with only "model" changed.
        const auto failedOver = ask("failover");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(failedOver), 200, failedOver.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(failedOver), std::string("2"), failedOver.header("X-Portico-Attempts"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(failedOver), std::string("fake:ok-b"),
                                     failedOver.header("X-Portico-Deployment"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(failedOver), okBody("ok-b"), failedOver.body);
        std::vector<std::string> bodies;
        for (const auto& request : fake.requests())
            if (modelOf(request.body) == "busy-b" || modelOf(request.body) == "ok-b")
                bodies.push_back(request.body);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(joined(bodies), std::size_t(2), bodies.size());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"model":"busy-b","messages":[{"role":"user","content":"hi"}]})"), bodies[0]);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"model":"ok-b","messages":[{"role":"user","content":"hi"}]})"), bodies[1]);

        // A 400 is the request's fault: it reaches the client as the upstream sent it, and the
        // other deployment is never asked (nor does the one that refused rest).
        for (int i = 0; i < 2; ++i)
        {
            const auto refusedRequest = ask("refusing");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(refusedRequest), 400, refusedRequest.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(refusedRequest), badBody, refusedRequest.body);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(refusedRequest), std::string("1"),
                                         refusedRequest.header("X-Portico-Attempts"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where(refusedRequest), std::string("fake:bad-c"),
                                         refusedRequest.header("X-Portico-Deployment"));
        }
        const auto seen = modelsSeen(fake);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(joined(seen), std::size_t(2), countOf(seen, "bad-c"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(joined(seen), std::size_t(0), countOf(seen, "ok-c"));
    }

    /// A stream fails over on a 503 and on an upstream that breaks off before its first event;
    /// once an event reached the client it does not: the client gets an error event and a cut
    /// transfer.
    void testStreamsFailOverOnlyBeforeTheirFirstEvent()
    {
        FakeUpstream fake(fakeAnswer);
        // The scripted upstream answers a stream's head and then, for "halfway", one event;
        // then it closes the connection without ending the chunked body.
        ScriptedServer scripted([](Poco::Net::StreamSocket& socket, int) {
            const std::string request = ScriptedServer::readRequest(socket);
            if (request.empty())
                return;
            const std::string model = modelOf(request.substr(request.find("\r\n\r\n") + 4));
            std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
            if (model == "halfway")
            {
                const std::string event = chunkEvent(model, "half", false);
                char size[16];
                std::snprintf(size, sizeof size, "%zx\r\n", event.size());
                answer += size + event + "\r\n";
            }
            socket.sendBytes(answer.data(), static_cast<int>(answer.size()));
            socket.shutdown();
        });
        PorticodProcess server("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, openai\n[openai]\n"
                               "upstreams.fake.url = " + fake.url() + "\n"
                               "upstreams.scripted.url = http://127.0.0.1:" + std::to_string(scripted.port()) + "/v1\n"
                               "models.s-busy.deployments = fake:busy-s, fake:stream-1\n"
                               "models.s-busy.strategy = least_busy\n"
                               "models.s-broken.deployments = scripted:broken, fake:stream-2\n"
                               "models.s-broken.strategy = least_busy\n"
                               "models.s-halfway.deployments = scripted:halfway, fake:stream-3\n"
                               "models.s-halfway.strategy = least_busy\n");
        const auto stream = [&server](const std::string& model) {
            const std::string body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}],"stream":true})";
            return rawRequest(server.port(),
                              "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body,
                              15);
        };
        const auto headOf = [](const RawResult& raw) { return Poco::toLower(raw.raw.substr(0, raw.raw.find("\r\n\r\n"))); };
        const auto bodyOf = [](const RawResult& raw) { return dechunk(raw.raw.substr(raw.raw.find("\r\n\r\n") + 4)); };

        for (const auto& [model, failing, answering] : {std::make_tuple("s-busy", "fake:busy-s", "fake:stream-1"),
                                                        std::make_tuple("s-broken", "scripted:broken", "fake:stream-2")})
        {
            const RawResult result = stream(model);
            const std::string what = std::string(model) + " (" + failing + " first):\n" + result.raw + "\nporticod:\n" +
                                     server.output();
            CPPUNIT_ASSERT_EQUAL_MESSAGE(what, 200, result.status);
            PORTICO_ASSERT_CONTAINS(headOf(result), "content-type: text/event-stream");
            PORTICO_ASSERT_CONTAINS(headOf(result), std::string("x-portico-deployment: ") + answering);
            PORTICO_ASSERT_CONTAINS(headOf(result), "x-portico-attempts: 2");
            const auto [text, done] = chatStreamText(bodyOf(result));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(what, std::string("fake streamed"), text);
            CPPUNIT_ASSERT_MESSAGE(what, done);
            PORTICO_ASSERT_NOT_CONTAINS(bodyOf(result), "error");
        }

        // After the first event nothing fails over.
        const RawResult halfway = stream("s-halfway");
        const std::string what = "s-halfway:\n" + halfway.raw + "\nporticod:\n" + server.output();
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what, 200, halfway.status);
        PORTICO_ASSERT_CONTAINS(headOf(halfway), "x-portico-deployment: scripted:halfway");
        PORTICO_ASSERT_CONTAINS(headOf(halfway), "x-portico-attempts: 1");
        const std::string body = bodyOf(halfway);
        CPPUNIT_ASSERT_MESSAGE(what, body.find(R"("content":"half")") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(what, body.find("event: error") != std::string::npos);
        PORTICO_ASSERT_NOT_CONTAINS(body, "[DONE]");
        const std::string raw = halfway.raw.substr(halfway.raw.find("\r\n\r\n") + 4);
        CPPUNIT_ASSERT_MESSAGE(what, raw.size() < 5 || raw.compare(raw.size() - 5, 5, "0\r\n\r\n") != 0);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(joined(modelsSeen(fake)), std::size_t(0), countOf(modelsSeen(fake), "stream-3"));
    }

    /// routing.allowed_fails = 1, cooldown_ms = 1000: a refused deployment rests, its half-open
    /// probe fails while it is still down (another rest), and once an upstream listens there the
    /// probe succeeds and it takes requests again.
    void testRestingDeploymentIsProbedAndComesBack()
    {
        const unsigned short backPort = freePort();
        PorticodProcess server("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, openai\n[openai]\n"
                               "upstreams.back.url = http://127.0.0.1:" + std::to_string(backPort) + "/v1\n"
                               // The local model only when "back" cannot serve (weight 0): which
                               // one answers says whether "back" is in rotation.
                               "deployments.echo.upstream = local\n"
                               "deployments.echo.model = portico-echo\n"
                               "deployments.echo.weight = 0\n"
                               "models.flaky.deployments = back:portico-echo, echo\n"
                               "models.flaky.max_attempts = 2\n"
                               "routing.allowed_fails = 1\n"
                               "routing.cooldown_ms = 1000\n");
        const auto ask = [&server] {
            return httpRequest(server.port(), "POST", "/v1/chat/completions",
                               R"({"model":"flaky","messages":[{"role":"user","content":"are you back"}]})", jsonHeaders,
                               15);
        };
        const auto expect = [&server](const HttpResult& result, const std::string& deployment, const std::string& attempts,
                                      const std::string& step) {
            const std::string what = step + ": " + describe(result) + "\nporticod:\n" + server.output();
            CPPUNIT_ASSERT_EQUAL_MESSAGE(what, 200, result.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(what, deployment, result.header("X-Portico-Deployment"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(what, attempts, result.header("X-Portico-Attempts"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(what, std::string("are you back"), chatText(result));
        };

        auto restedAt = Clock::now();
        expect(ask(), "echo", "2", "back refused, failed over");
        expect(ask(), "echo", "1", "back rests");
        // The cooldown has to pass: nothing to poll without spending the probe.
        std::this_thread::sleep_until(restedAt + std::chrono::milliseconds(1100));
        restedAt = Clock::now();
        expect(ask(), "echo", "2", "the probe, back still refused");
        expect(ask(), "echo", "1", "back rests again after its failed probe");

        auto back = startOnFixedPort(upstreamConfig(backPort), backPort, "the upstream coming back");
        HttpResult result;
        const auto deadline = Clock::now() + std::chrono::seconds(10);
        for (;;)
        {
            result = ask();
            if (result.header("X-Portico-Deployment") == "back:portico-echo" || Clock::now() > deadline)
                break;
            expect(result, "echo", "1", "back still resting");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        expect(result, "back:portico-echo", "1", "the probe succeeded");
        CPPUNIT_ASSERT(Clock::now() - restedAt >= std::chrono::milliseconds(1000));
        for (int i = 0; i < 5; ++i)
            expect(ask(), "back:portico-echo", "1", "back in rotation");
    }

    /// A request without "model": served by default_model when it is set, else a 400.
    void testDefaultModel()
    {
        FakeUpstream fake(fakeAnswer);
        const unsigned short refused = freePort();
        PorticodProcess withDefault(ownConfig(refused, fake.url(), true));
        PorticodProcess without(ownConfig(refused, fake.url(), false));
        const std::string noModel = R"({"messages":[{"role":"user","content":"which model?"}]})";

        auto result = httpRequest(withDefault.port(), "POST", "/v1/chat/completions", noModel, jsonHeaders, 15);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(result) + withDefault.output(), 200, result.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(result), std::string("fake:ok-d"), result.header("X-Portico-Deployment"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(result), okBody("ok-d"), result.body);
        const auto requests = fake.requests();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), requests.size());
        CPPUNIT_ASSERT_EQUAL(std::string("ok-d"), modelOf(requests[0].body));
        PORTICO_ASSERT_CONTAINS(requests[0].body, "which model?");

        // Without default_model the same request is OpenAI's 400.
        result = httpRequest(without.port(), "POST", "/v1/chat/completions", noModel, jsonHeaders, 15);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(result), 400, result.status);
        const auto error = json(result.body)->getObject("error");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.body, std::string("missing_required_parameter"),
                                     error->getValue<std::string>("code"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.body, std::string("model"), error->getValue<std::string>("param"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), fake.requests().size());
    }

private:
    /// A 400 context_length_exceeded goes to the group's context_fallbacks (not to the rest of
    /// its deployments, whose context is no larger), and the deployment is not counted as failed.
    void testContextFallbacks()
    {
        FakeUpstream fake(fakeAnswer);
        PorticodProcess server(ownConfig(freePort(), fake.url(), false));
        const auto result = httpRequest(server.port(), "POST", "/v1/chat/completions",
                                        R"({"model":"small","messages":[{"role":"user","content":"a long story"}]})",
                                        jsonHeaders, 15);
        const std::string what = describe(result) + "\nporticod output:\n" + server.output();
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what, 200, result.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what, std::string("fake:ok-big"), result.header("X-Portico-Deployment"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what, std::string("2"), result.header("X-Portico-Attempts"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what, okBody("ok-big"), result.body);
        const auto seen = modelsSeen(fake);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(joined(seen), std::string("long-s, ok-big"), joined(seen));
        const std::string table = httpRequest(server.port(), "GET", "/routing").body;
        PORTICO_ASSERT_CONTAINS(table, R"("context_fallbacks":["big"])");
        const auto deployments = json(table)->getArray("deployments");
        bool found = false;
        for (std::size_t i = 0; i < deployments->size(); ++i)
            if (deployments->getObject(i)->getValue<std::string>("name") == "fake:long-s")
            {
                found = true;
                CPPUNIT_ASSERT_EQUAL_MESSAGE(table, std::string("healthy"),
                                             deployments->getObject(i)->getValue<std::string>("state"));
            }
        CPPUNIT_ASSERT_MESSAGE(table, found);
    }

    static std::string ownConfig(unsigned short refusedPort, const std::string& fakeUrl, bool defaultModel)
    {
        std::string config = "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, openai\n[openai]\n"
                             "upstreams.dead.url = http://127.0.0.1:" +
                             std::to_string(refusedPort) +
                             "/v1\n"
                             "upstreams.fake.url = " +
                             fakeUrl +
                             "\n"
                             "upstreams.fake.read_timeout_ms = 5000\n"
                             "routing.allowed_fails = 2\n"
                             "routing.cooldown_ms = 60000\n"
                             "models.cooling.deployments = dead:cooling-a, fake:busy-a\n"
                             "models.cooling.max_attempts = 2\n"
                             "models.failover.deployments = fake:busy-b, fake:ok-b\n"
                             "models.failover.strategy = least_busy\n"
                             "models.failover.max_attempts = 2\n"
                             "models.refusing.deployments = fake:bad-c, fake:ok-c\n"
                             "models.refusing.strategy = least_busy\n"
                             "models.refusing.max_attempts = 2\n"
                             "models.served.deployments = fake:ok-d\n"
                             "models.small.deployments = fake:long-s, fake:ok-s2\n"
                             "models.small.strategy = least_busy\n"
                             "models.small.context_fallbacks = big\n"
                             "models.big.deployments = fake:ok-big\n";
        if (defaultModel)
            config += "default_model = served\n";
        return config;
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RoutingIntegrationTest);
