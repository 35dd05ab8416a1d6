// The access log (core, [log] section) with the installed porticod: one JSON line per request
// with every field, to a file (rotated) or stderr or nowhere, moved by a reload, and its
// settings' errors naming the key. The lines are written by the access log's own thread from a
// bounded queue (AccessLog.h), so each test waits for its line (lineFor).

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "TempDir.h"
#include "Poco/File.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include "Poco/RegularExpression.h"
#include <chrono>
#include <csignal>
#include <cppunit/extensions/HelperMacros.h>
#include <thread>

using namespace portico::test;

namespace {

/// A config with tracing and the probe; `server` adds lines to [server].
std::string base(const std::string& server = "")
{
    return "[server]\nlisten = 127.0.0.1:{port}\n" + server +
           "[plugins]\npath = {plugins}\norder = tracing, probe_a\n[probe_a]\nroutes = true\n";
}
const std::string Base = base();

/// The access lines (JSON objects) in `text`, parsed.
std::vector<Poco::JSON::Object::Ptr> accessLines(const std::string& text)
{
    std::vector<Poco::JSON::Object::Ptr> lines;
    std::size_t start = 0;
    while (start < text.size())
    {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.rfind("{\"time\":", 0) == 0)
            lines.push_back(Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>());
    }
    return lines;
}

/// The access line for `path`, waiting for it to be written (it follows the answer).
Poco::JSON::Object::Ptr lineFor(const std::function<std::string()>& source, const std::string& path)
{
    for (int i = 0; i < 100; ++i)
    {
        for (const auto& line : accessLines(source()))
            if (line->getValue<std::string>("path") == path)
                return line;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CPPUNIT_FAIL("no access line for " + path + " in:\n" + source());
    return nullptr;
}

std::string checkError(const std::string& logSection)
{
    TempDir dir;
    const std::string file = dir.write("portico.ini", "[server]\nlisten = 127.0.0.1:" + std::to_string(freePort()) +
                                                          "\n[plugins]\norder =\n[log]\n" + logSection);
    const CommandResult result = runPorticod({"--config=" + file, "--check-config"});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(result.output, 78, result.exitCode);
    return result.output;
}

void assertContains(const std::string& haystack, const std::string& needle)
{
    CPPUNIT_ASSERT_MESSAGE("expected \"" + needle + "\" in:\n" + haystack, haystack.find(needle) != std::string::npos);
}

} // namespace

class AccessLogIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(AccessLogIntegrationTest);
    CPPUNIT_TEST(testEveryFieldInAFile);
    CPPUNIT_TEST(testStderrIsTheDefault);
    CPPUNIT_TEST(testOffWritesNothing);
    CPPUNIT_TEST(testFileIsRotated);
    CPPUNIT_TEST(testReloadMovesTheLog);
    CPPUNIT_TEST(testUnreadBodyIsLogged);
    CPPUNIT_TEST(testBadSettingsNameTheKey);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEveryFieldInAFile()
    {
        PorticodProcess porticod(Base + "[log]\naccess = file\naccess_file = {dir}/access.log\n");
        const auto file = [&] { return readFile(porticod.dir().file("access.log")); };

        const HttpResult slow = httpRequest(porticod.port(), "GET", "/probe_a/slow?ms=25&api_key=x");
        const auto line = lineFor(file, "/probe_a/slow");
        Poco::RegularExpression time("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$");
        CPPUNIT_ASSERT(time.match(line->getValue<std::string>("time")));
        CPPUNIT_ASSERT_EQUAL(slow.header("X-Trace-Id"), line->getValue<std::string>("trace_id"));
        CPPUNIT_ASSERT(line->isNull("principal")); // no auth plugin
        CPPUNIT_ASSERT_EQUAL(std::string("GET"), line->getValue<std::string>("method"));
        CPPUNIT_ASSERT_EQUAL(200, line->getValue<int>("status"));
        CPPUNIT_ASSERT_EQUAL(slow.body.size(), line->getValue<std::size_t>("bytes_out"));
        CPPUNIT_ASSERT(line->getValue<double>("duration_ms") >= 25.0);
        CPPUNIT_ASSERT(line->isNull("upstream_ms"));
        CPPUNIT_ASSERT(line->isNull("model"));
        CPPUNIT_ASSERT(line->getValue<std::string>("client").rfind("127.0.0.1:", 0) == 0);
        CPPUNIT_ASSERT_EQUAL(std::string("completed"), line->getValue<std::string>("outcome"));
        CPPUNIT_ASSERT(file().find("api_key") == std::string::npos); // the query is never logged

        const HttpResult stream = httpRequest(porticod.port(), "GET", "/probe_a/stream?events=3&delay_ms=1");
        CPPUNIT_ASSERT_EQUAL(stream.body.size(), lineFor(file, "/probe_a/stream")->getValue<std::size_t>("bytes_out"));

        const std::string big(1000, 'x');
        httpRequest(porticod.port(), "POST", "/probe_a/echo", big, {{"Content-Type", "text/plain"}});
        const auto echo = lineFor(file, "/probe_a/echo");
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), echo->getValue<std::string>("method"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1000), echo->getValue<std::size_t>("bytes_out"));

        httpRequest(porticod.port(), "GET", "/no/such/path");
        CPPUNIT_ASSERT_EQUAL(404, lineFor(file, "/no/such/path")->getValue<int>("status"));
        httpRequest(porticod.port(), "GET", "/probe_a/throw");
        const auto thrown = lineFor(file, "/probe_a/throw");
        CPPUNIT_ASSERT_EQUAL(500, thrown->getValue<int>("status"));
        CPPUNIT_ASSERT_EQUAL(std::string("error"), thrown->getValue<std::string>("outcome"));
        // Only JSON lines in the file: nothing of the server's own log.
        CPPUNIT_ASSERT(file().find(" portico.core: ") == std::string::npos);
    }

    void testStderrIsTheDefault()
    {
        PorticodProcess porticod(Base);
        httpRequest(porticod.port(), "GET", "/probe_a/slow?ms=1");
        const auto line = lineFor([&] { return porticod.output(); }, "/probe_a/slow");
        CPPUNIT_ASSERT_EQUAL(200, line->getValue<int>("status"));
        // The server's own log level does not silence it.
        PorticodProcess quiet(base("log_level = error\n"));
        httpRequest(quiet.port(), "GET", "/probe_a/slow?ms=1");
        lineFor([&] { return quiet.output(); }, "/probe_a/slow");
    }

    void testOffWritesNothing()
    {
        PorticodProcess porticod(Base + "[log]\naccess = off\n");
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", "/probe_a/slow?ms=1").status);
        porticod.signal(SIGTERM);
        CPPUNIT_ASSERT_EQUAL(0, porticod.waitForExit(30));
        CPPUNIT_ASSERT(accessLines(porticod.output()).empty());
    }

    void testFileIsRotated()
    {
        PorticodProcess porticod(Base + "[log]\naccess = file\naccess_file = {dir}/access.log\n"
                                        "access_rotation = 1 K\naccess_purge_count = 2\n");
        // ~270 bytes a line: 40 lines rotate the 1 KiB file several times.
        for (int i = 0; i < 40; ++i)
            httpRequest(porticod.port(), "GET", "/probe_a/slow?ms=0");
        httpRequest(porticod.port(), "GET", "/probe_a/last");
        lineFor([&] { return readFile(porticod.dir().file("access.log")); }, "/probe_a/last");
        std::vector<std::string> names;
        Poco::File(porticod.dir().path()).list(names);
        int archives = 0;
        for (const auto& name : names)
            if (name.rfind("access.log.", 0) == 0)
                ++archives;
        CPPUNIT_ASSERT_MESSAGE(std::to_string(archives) + " archives kept", archives >= 1 && archives <= 2);
        CPPUNIT_ASSERT(Poco::File(porticod.dir().file("access.log")).getSize() <= 1024 + 512);
    }

    void testReloadMovesTheLog()
    {
        PorticodProcess porticod(Base);
        httpRequest(porticod.port(), "GET", "/probe_a/before-reload");
        lineFor([&] { return porticod.output(); }, "/probe_a/before-reload");
        porticod.rewriteConfig(Base + "[log]\naccess = file\naccess_file = {dir}/moved.log\n");
        porticod.signal(SIGHUP);
        CPPUNIT_ASSERT(porticod.waitForOutput("reloaded", 10));
        httpRequest(porticod.port(), "GET", "/probe_a/after-reload");
        const auto file = [&] { return readFile(porticod.dir().file("moved.log")); };
        lineFor(file, "/probe_a/after-reload");
        CPPUNIT_ASSERT(file().find("before-reload") == std::string::npos);
        CPPUNIT_ASSERT(porticod.output().find("\"path\":\"/probe_a/after-reload\"") == std::string::npos);

        // A reload whose access file cannot be opened is refused; the log stays where it was.
        porticod.rewriteConfig(Base + "[log]\naccess = file\naccess_file = {dir}/no/such/dir/x.log\n");
        porticod.signal(SIGHUP);
        CPPUNIT_ASSERT(porticod.waitForOutput("reload refused", 10));
        assertContains(porticod.output(), "[log] access_file: cannot open");
        httpRequest(porticod.port(), "GET", "/probe_a/after-refused");
        lineFor(file, "/probe_a/after-refused");
    }

    void testUnreadBodyIsLogged()
    {
        PorticodProcess porticod(base("body_timeout_seconds = 1\n") + "[log]\naccess = file\naccess_file = {dir}/access.log\n");
        // The body stops short of its Content-Length: porticod gives up waiting for the rest and
        // answers 408 (the request was never served, so the line has no method or path of it).
        const RawResult result = rawRequest(porticod.port(),
                                            "POST /probe_a/echo?k=v HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort", 10);
        CPPUNIT_ASSERT_EQUAL(408, result.status);
        // A request that was not served is logged as method "-" on path "/".
        const auto line = lineFor([&] { return readFile(porticod.dir().file("access.log")); }, "/");
        CPPUNIT_ASSERT_EQUAL(408, line->getValue<int>("status"));
        CPPUNIT_ASSERT_EQUAL(std::string("-"), line->getValue<std::string>("method"));
    }

    void testBadSettingsNameTheKey()
    {
        assertContains(checkError("access = file\n"), "[log] access_file: required when access = file");
        assertContains(checkError("access = syslog\n"), "[log] access: expected stderr, file or off, got 'syslog'");
        assertContains(checkError("access = file\naccess_file = /tmp/x.log\naccess_rotation = sometimes\n"),
                       "[log] access_rotation: invalid value 'sometimes'");
        assertContains(checkError("access_archive = zip\n"), "[log] access_archive: invalid value 'zip'");
        assertContains(checkError("access = file\naccess_file = /nonexistent-portico-dir/access.log\n"),
                       "[log] access_file: cannot open /nonexistent-portico-dir/access.log");
        assertContains(checkError("acces = off\n"), "[log] acces: unknown key");

        // --check-config checks the access file without creating it (it may run as root, the
        // service as its own user).
        TempDir dir;
        const std::string file = dir.write("portico.ini", "[server]\nlisten = 127.0.0.1:" + std::to_string(freePort()) +
                                                              "\n[plugins]\norder =\n[log]\naccess = file\naccess_file = " +
                                                              dir.file("access.log") + "\n");
        const CommandResult ok = runPorticod({"--config=" + file, "--check-config"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(ok.output, 0, ok.exitCode);
        CPPUNIT_ASSERT(!Poco::File(dir.file("access.log")).exists());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AccessLogIntegrationTest);
