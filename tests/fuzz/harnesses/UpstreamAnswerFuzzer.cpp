// Fuzzes WireExchange's receiveAnswer with arbitrary bytes as an upstream's answer: status
// line, headers, Content-Length / chunked (extensions, trailers) / 1xx interim / body to close.
//
// The seam is the socket itself: receiveAnswer reads a Poco StreamSocket, which here wraps one
// end of a local SOCK_SEQPACKET socketpair. A writer thread sends the input in packets and then
// closes its end; a seqpacket read returns one packet at most, so the packet sizes (chosen by
// the first input byte) decide where the reader's blocks end, as TCP segments would.
//
// The body cap (upstream.max_body_bytes) is 4 KiB here, not the 64 MiB default, so that inputs
// within libFuzzer's length reach the refusal paths too.
//
// Contract: only Poco::Exception or AnswerTooLarge comes out (the documented MessageException,
// IOException..., never a TimeoutException: the input is all sent, so a wait means the reader
// hangs); an accepted answer has a final status in 200..599 (interim ones are skipped, a final
// 1xx is refused), a body within the cap and no longer than what was sent, and `received`
// never exceeds what was sent.

#include "AnswerLimits.h"
#include "FuzzCheck.h"
#include "WireExchange.h"
#include "Poco/Exception.h"
#include "Poco/Net/StreamSocketImpl.h"
#include <cstdint>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using portico::fuzz::check;
using namespace portico::openai;

namespace {
constexpr std::size_t bodyCap = 4096;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    // First byte: packet size (0 = one packet per 16 KiB, the reader's block size).
    const std::size_t packet = data[0] == 0 ? 16 * 1024 : data[0];
    const std::string answerBytes(reinterpret_cast<const char*>(data) + 1, size - 1);

    int fds[2];
    check(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0, "socketpair");
    std::thread writer([fd = fds[1], &answerBytes, packet] {
        // The reader may stop early (a malformed head): then sends fail with EPIPE, which is
        // fine; MSG_NOSIGNAL keeps SIGPIPE away.
        for (std::size_t at = 0; at < answerBytes.size(); at += packet)
        {
            const std::size_t n = std::min(packet, answerBytes.size() - at);
            if (::send(fd, answerBytes.data() + at, n, MSG_NOSIGNAL) != static_cast<ssize_t>(n))
                break;
        }
        ::close(fd);
    });

    std::size_t received = 0;
    bool accepted = false;
    WireAnswer answer;
    {
        Poco::Net::StreamSocket socket(new Poco::Net::StreamSocketImpl(fds[0])); // owns fds[0]
        socket.setReceiveTimeout(Poco::Timespan(5, 0));
        try
        {
            receiveAnswer(socket, answer, bodyCap);
            accepted = true;
        }
        catch (const Poco::TimeoutException&)
        {
            check(false, "receiveAnswer waited for bytes after the upstream closed");
        }
        catch (const Poco::Exception&)
        {
            // A malformed or truncated answer: the proxy turns it into a 502.
        }
        catch (const AnswerTooLarge&)
        {
            // Over the cap: the proxy turns it into a 502 and drops the connection.
        }
        received = answer.received;
        socket.close(); // unblocks the writer if it still sends
    }
    writer.join();

    check(received <= answerBytes.size(), "received counts no more than was sent");
    if (accepted)
    {
        check(answer.status >= 200 && answer.status <= 599, "a final status in 200..599");
        check(answer.body.size() <= bodyCap, "the body is within upstream.max_body_bytes");
        check(answer.body.size() <= received, "the body is no longer than what was read");
    }
    return 0;
}
