// Fuzzes SseFramer (the relay's SSE event framing) with an arbitrary byte stream fed in pieces.
//
// Contract: the events and the pending tail do not depend on how the bytes were split (the
// first input byte seeds the piece sizes; the same stream fed whole is the reference), and they
// are what an independent framer finds: an event is everything up to and including a blank
// line ("\n" or "\r\n"), a blank line with nothing before it is skipped. inspect() on every
// event gives the same usage and end-of-stream verdict both ways.

#include "FuzzCheck.h"
#include "SseFramer.h"
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using portico::fuzz::check;
using namespace portico::openai;

namespace {

struct Framed
{
    std::vector<std::string> events;
    std::string pending;
    std::optional<Usage> usage;
    bool finished = false;
};

Framed frame(std::string_view stream, unsigned seed)
{
    Framed out;
    SseFramer framer;
    std::minstd_rand random(seed + 1);
    std::size_t at = 0;
    while (at < stream.size())
    {
        const std::size_t piece = seed == 0 ? stream.size() : 1 + random() % 64;
        const std::size_t n = std::min(piece, stream.size() - at);
        framer.feed(stream.substr(at, n));
        at += n;
        while (const auto event = framer.next())
        {
            framer.inspect(*event);
            out.events.emplace_back(*event); // a copy: the view ends at the next feed()
        }
    }
    out.pending = std::string(framer.pending());
    out.usage = framer.usage();
    out.finished = framer.finished();
    check(framer.events() == out.events.size(), "events() counts the inspected events");
    return out;
}

/// The framing rule, written independently: lines end at '\n'; a line that is empty or "\r" is
/// blank and closes the event begun after the previous one.
Framed reference(std::string_view stream)
{
    Framed out;
    std::size_t begin = 0, lineStart = 0;
    for (std::size_t i = 0; i < stream.size(); ++i)
    {
        if (stream[i] != '\n')
            continue;
        const std::string_view line = stream.substr(lineStart, i - lineStart);
        const bool blank = line.empty() || line == "\r";
        const bool first = lineStart == begin;
        lineStart = i + 1;
        if (!blank)
            continue;
        if (!first)
            out.events.emplace_back(stream.substr(begin, i + 1 - begin));
        begin = i + 1;
    }
    out.pending = std::string(stream.substr(begin));
    return out;
}

bool sameUsage(const std::optional<Usage>& a, const std::optional<Usage>& b)
{
    return a.has_value() == b.has_value() &&
           (!a || (a->inputTokens == b->inputTokens && a->outputTokens == b->outputTokens));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
    const Framed whole = frame(stream, 0);
    const Framed split = frame(stream, data[0] == 0 ? 1 : data[0]);
    const Framed expected = reference(stream);
    check(whole.events == expected.events, "fed whole: the events are the reference framing's");
    check(whole.pending == expected.pending, "fed whole: the pending tail is the reference's");
    check(split.events == whole.events, "fed in pieces: the same events as fed whole");
    check(split.pending == whole.pending, "fed in pieces: the same pending tail");
    check(sameUsage(split.usage, whole.usage), "fed in pieces: the same usage");
    check(split.finished == whole.finished, "fed in pieces: the same end-of-stream verdict");
    return 0;
}
