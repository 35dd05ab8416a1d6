#include "LoadMix.h"
#include "RawConnection.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/StreamCopier.h"
#include <functional>
#include <memory>
#include <set>
#include <thread>

namespace portico::test {

void SoakTally::record(const std::string& kind, int status, bool expected, const std::string& detail)
{
    std::lock_guard<std::mutex> lock(mutex);
    ++requests;
    ++statuses[kind][status];
    if (status >= 500)
        ++serverErrors;
    if (!expected)
        ++unexpected;
    if ((status >= 500 || !expected) && firstProblems.size() < 10)
        firstProblems.push_back(kind + " -> " + std::to_string(status) + ": " + detail.substr(0, 300));
}

void SoakTally::transportError(const std::string& kind, const std::string& detail)
{
    std::lock_guard<std::mutex> lock(mutex);
    ++requests;
    ++transportErrors;
    if (firstProblems.size() < 10)
        firstProblems.push_back(kind + " -> transport error: " + detail);
}

namespace {

struct Answer
{
    int status = 0;
    std::string body;
};

class Worker
{
public:
    Worker(unsigned short port, const SoakFeatures& features, unsigned seed, SoakTally& tally)
        : port_(port), features_(features), random_(seed), tally_(tally)
    {
        addKinds();
    }

    void runOne()
    {
        std::uniform_int_distribution<int> pick(0, totalWeight_ - 1);
        int at = pick(random_);
        for (const auto& kind : kinds_)
        {
            if ((at -= kind.weight) >= 0)
                continue;
            try
            {
                kind.run();
            }
            catch (const std::exception& e)
            {
                session_.reset(); // start the next request on a fresh connection
                tally_.transportError(kind.name, e.what());
            }
            return;
        }
    }

private:
    struct Kind
    {
        std::string name;
        int weight;
        std::function<void()> run;
    };

    void add(const std::string& name, int weight, std::function<void()> run)
    {
        kinds_.push_back({name, weight, std::move(run)});
        totalWeight_ += weight;
    }

    /// A plain request on this worker's keep-alive connection; `expected` are the fine statuses.
    void request(const std::string& kind, const std::string& method, const std::string& path, const std::string& body,
                 std::set<int> expected, std::map<std::string, std::string> headers = {},
                 const std::function<bool(const Answer&)>& check = {})
    {
        if (!session_)
        {
            session_ = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", port_);
            session_->setTimeout(Poco::Timespan(30, 0));
            session_->setKeepAlive(true);
        }
        Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setKeepAlive(true);
        if (features_.auth && !headers.count("Authorization"))
            request.set("Authorization", "Bearer " + features_.apiKey);
        for (const auto& [name, value] : headers)
            request.set(name, value);
        if (method == "POST")
        {
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
        }
        session_->sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session_->receiveResponse(response);
        Answer answer;
        answer.status = response.getStatus();
        Poco::StreamCopier::copyToString(in, answer.body);
        const bool fine = expected.count(answer.status) && (!check || check(answer));
        tally_.record(kind, answer.status, fine, answer.body);
    }

    std::string prompt()
    {
        std::uniform_int_distribution<int> words(1, 60);
        std::string text = "soak";
        for (int i = words(random_); i > 0; --i)
            text += " word" + std::to_string(i);
        return text;
    }

    std::string chatBody(bool stream)
    {
        return R"({"model":"portico-echo","messages":[{"role":"user","content":")" + prompt() + "\"}]" +
               (stream ? R"(,"stream":true,"stream_options":{"include_usage":true})" : "") + "}";
    }

    void addKinds()
    {
        add("healthz", 10, [this] { request("healthz", "GET", "/healthz", "", {200}); });
        add("not_found", 4, [this] { request("not_found", "GET", "/v1/nothing-here", "", {404}); });
        add("declared_too_large", 2, [this] { declaredTooLarge(); });
        if (features_.metrics)
            add("metrics", 2, [this] { request("metrics", "GET", "/metrics", "", {200}); });
        if (features_.auth)
            add("wrong_key", 3, [this] {
                request("wrong_key", "GET", "/v1/models", "", {401}, {{"Authorization", "Bearer sk-not-a-key"}});
            });
        if (!features_.openai)
            return;
        const auto endsWith = [](const std::string& tail) {
            return [tail](const Answer& a) { return a.body.find(tail) != std::string::npos; };
        };
        add("models", 5, [this] { request("models", "GET", "/v1/models", "", {200}); });
        add("chat", 15, [this] { request("chat", "POST", "/v1/chat/completions", chatBody(false), {200}); });
        add("chat_stream", 10, [this, endsWith] {
            request("chat_stream", "POST", "/v1/chat/completions", chatBody(true), {200}, {}, endsWith("data: [DONE]"));
        });
        add("responses", 8, [this] {
            request("responses", "POST", "/v1/responses",
                    R"({"model":"portico-echo","input":")" + prompt() + "\"}", {200});
        });
        add("responses_stream", 5, [this, endsWith] {
            request("responses_stream", "POST", "/v1/responses",
                    R"({"model":"portico-echo","stream":true,"input":")" + prompt() + "\"}", {200}, {},
                    endsWith("response.completed"));
        });
        add("embeddings", 10, [this] {
            request("embeddings", "POST", "/v1/embeddings",
                    R"({"model":"portico-embed","input":[")" + prompt() + "\",\"" + prompt() + "\"]}", {200});
        });
        add("bad_json", 4, [this] {
            request("bad_json", "POST", "/v1/chat/completions", R"({"model":"portico-echo","messages":[)", {400});
        });
        add("client_gone", 3, [this] { clientGone(); });
        if (features_.idempotency)
            add("idempotent", 8, [this] {
                // 200 keys, each always with the same body: the first is served, the rest are
                // replays (409 when another worker has the same key in flight right now).
                const int key = std::uniform_int_distribution<int>(0, 199)(random_);
                request("idempotent", "POST", "/v1/chat/completions",
                        R"({"model":"portico-echo","messages":[{"role":"user","content":"idempotent )" +
                            std::to_string(key) + "\"}]}",
                        {200, 409}, {{"Idempotency-Key", "soak-key-" + std::to_string(key)}});
            });
    }

    /// A head that declares a body over max_body_bytes, no body: 413 from the head alone.
    void declaredTooLarge()
    {
        RawConnection connection(port_);
        std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           "Content-Length: 10000000\r\n";
        if (features_.auth)
            head += "Authorization: Bearer " + features_.apiKey + "\r\n";
        if (!connection.send(head + "\r\n"))
            throw std::runtime_error("could not send the head");
        const ReadOutcome read = connection.readUntilClosed(30);
        if (!read.closed)
            throw std::runtime_error("no close after a 413 within 30 s");
        tally_.record("declared_too_large", statusOf(read.data), statusOf(read.data) == 413, read.data);
    }

    /// A long stream whose client leaves after the first bytes, with a reset.
    void clientGone()
    {
        RawConnection connection(port_);
        std::string text;
        for (int i = 0; i < 400; ++i)
            text += " long";
        const std::string body = R"({"model":"portico-echo","stream":true,"messages":[{"role":"user","content":")" +
                                 text + "\"}]}";
        std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           "Content-Length: " +
                           std::to_string(body.size()) + "\r\n";
        if (features_.auth)
            head += "Authorization: Bearer " + features_.apiKey + "\r\n";
        if (!connection.send(head + "\r\n" + body))
            throw std::runtime_error("could not send the request");
        const ReadOutcome read = connection.readUntil("data:", 30);
        if (read.data.find("data:") == std::string::npos)
            throw std::runtime_error("no stream started: '" + read.data.substr(0, 200) + "'");
        connection.abort();
        tally_.record("client_gone", statusOf(read.data), statusOf(read.data) == 200, read.data);
    }

    unsigned short port_;
    const SoakFeatures& features_;
    std::mt19937 random_;
    SoakTally& tally_;
    std::vector<Kind> kinds_;
    int totalWeight_ = 0;
    std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

} // namespace

void runSoakWorker(unsigned short port, const SoakFeatures& features, unsigned seed, double requestsPerSecond,
                   const std::atomic<bool>& stop, SoakTally& tally)
{
    using Clock = std::chrono::steady_clock;
    Worker worker(port, features, seed, tally);
    const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / requestsPerSecond));
    auto next = Clock::now();
    while (!stop)
    {
        worker.runOne();
        next += interval;
        const auto now = Clock::now();
        if (next < now - std::chrono::seconds(1))
            next = now; // behind by more than a second: do not try to catch up in a burst
        std::this_thread::sleep_until(next);
    }
}

} // namespace portico::test
