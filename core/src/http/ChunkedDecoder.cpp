// ChunkedDecoder (MessageHead.h): the chunked transfer coding (RFC 9112 §7.1) decoded as the
// bytes arrive, one state per position in the grammar, so that a body split anywhere decodes
// as it does whole. Strict where a lenient reading could differ from another parser's (the
// smuggling devices): a chunk size is hex digits only, whitespace after it is allowed only
// before an extension's ';', the data must be followed by CRLF (or LF), a CR anywhere must be
// followed by LF, and a trailer line must look like a field line.

#include "http/MessageHead.h"
#include <algorithm>

namespace portico {
namespace {

/// 15 hex digits (60 bits): any size that fits, none that could overflow the count.
constexpr int maxSizeDigits = 15;
/// A chunk-size line with its extensions, which are read and dropped.
constexpr std::size_t maxSizeLine = 4096;
/// All trailer lines together, with the empty line that ends them.
constexpr std::size_t maxTrailerBytes = 8192;

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

/// A control byte that is not HTAB (CR and LF are handled before this is asked).
bool isBadControl(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && c != '\t') || byte == 0x7f;
}

} // namespace

ChunkedDecoder::Result ChunkedDecoder::decode(std::string_view input, std::size_t& consumed, std::string& out)
{
    consumed = 0;
    if (state_ == State::Done)
        return Result::Done;
    if (state_ == State::Failed)
        return Result::Invalid;
    std::size_t i = 0;
    while (i < input.size())
    {
        if (state_ == State::Data)
        {
            // The data itself: as much of this chunk as the input holds, in one append.
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size() - i));
            out.append(input.data() + i, n);
            i += n;
            remaining_ -= n;
            if (remaining_ == 0)
                state_ = State::DataCr;
            continue;
        }
        if (!step(input[i]))
        {
            consumed = i;
            return Result::Invalid;
        }
        ++i;
        if (state_ == State::Done)
        {
            consumed = i;
            return Result::Done;
        }
    }
    consumed = input.size();
    return Result::NeedMore;
}

bool ChunkedDecoder::step(char c)
{
    switch (state_)
    {
    case State::Size:
        return sizeByte(c);
    case State::SizeSpace:
        if (isOws(c))
            return lineByte();
        if (c != ';')
            return fail("only an extension (';') may follow whitespace after a chunk size");
        state_ = State::Extension;
        return lineByte();
    case State::Extension:
        if (c == '\r' || c == '\n')
            return sizeLineEnd(c);
        if (isBadControl(c))
            return fail("a control character in a chunk extension");
        return lineByte();
    case State::SizeLf:
        return c == '\n' ? sizeLineEnd(c) : fail("a CR not followed by LF after a chunk size");
    case State::DataCr:
        if (c == '\n')
            return startChunk();
        if (c != '\r')
            return fail("chunk data not followed by CRLF (the chunk is longer than its size)");
        state_ = State::DataLf;
        return true;
    case State::DataLf:
        return c == '\n' ? startChunk() : fail("a CR not followed by LF after chunk data");
    default:
        return trailerByte(c);
    }
}

bool ChunkedDecoder::sizeByte(char c)
{
    const int value = hexValue(c);
    if (value >= 0)
    {
        if (++digits_ > maxSizeDigits)
            return fail("a chunk size too large (more than 15 hex digits)");
        remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(value);
        return lineByte();
    }
    if (digits_ == 0)
        return fail("a chunk that does not start with a hex size");
    if (c == ';')
        state_ = State::Extension;
    else if (isOws(c))
        state_ = State::SizeSpace;
    else if (c == '\r' || c == '\n')
        return sizeLineEnd(c);
    else
        return fail("a chunk size followed by a byte that is not a hex digit, ';' or a line end");
    return lineByte();
}

bool ChunkedDecoder::lineByte()
{
    if (++lineLength_ > maxSizeLine)
        return fail("a chunk size line (with extensions) longer than 4096 bytes");
    return true;
}

bool ChunkedDecoder::sizeLineEnd(char c)
{
    if (c == '\r')
    {
        state_ = State::SizeLf;
        return true;
    }
    // The last chunk (size 0) is followed by the trailer section, not by data.
    state_ = remaining_ == 0 ? State::Trailer : State::Data;
    lineLength_ = 0;
    return true;
}

bool ChunkedDecoder::startChunk()
{
    state_ = State::Size;
    remaining_ = 0;
    digits_ = 0;
    lineLength_ = 0;
    return true;
}

bool ChunkedDecoder::trailerByte(char c)
{
    if (++trailerBytes_ > maxTrailerBytes)
        return fail("trailer fields longer than 8192 bytes");
    switch (state_)
    {
    case State::Trailer: // a line starts: the empty one ends the body, any other is a field
        if (c == '\r' || c == '\n')
            return trailerLineEnd(c);
        if (!detail::isTokenChar(c))
            return fail(isOws(c) ? "a trailer line that starts with whitespace"
                                 : "a trailer line that does not start with a field name");
        state_ = State::TrailerName;
        ++lineLength_;
        return true;
    case State::TrailerName:
        ++lineLength_;
        if (c == ':')
            state_ = State::TrailerValue;
        else if (!detail::isTokenChar(c))
            return fail("a trailer field name that is not a token, or without a colon");
        return true;
    case State::TrailerValue:
        ++lineLength_;
        if (c == '\r' || c == '\n')
            return trailerLineEnd(c);
        return !isBadControl(c) || fail("a control character in a trailer field value");
    default: // State::TrailerLf
        if (c != '\n')
            return fail("a CR not followed by LF in the trailer section");
        state_ = lineLength_ == 0 ? State::Done : State::Trailer;
        lineLength_ = 0;
        return true;
    }
}

bool ChunkedDecoder::trailerLineEnd(char c)
{
    if (c == '\r')
    {
        state_ = State::TrailerLf;
        return true;
    }
    state_ = lineLength_ == 0 ? State::Done : State::Trailer;
    lineLength_ = 0;
    return true;
}

bool ChunkedDecoder::fail(const char* why)
{
    error_ = why;
    state_ = State::Failed;
    return false;
}

void ChunkedDecoder::reset()
{
    state_ = State::Size;
    remaining_ = 0;
    digits_ = 0;
    lineLength_ = 0;
    trailerBytes_ = 0;
    error_.clear();
}

} // namespace portico
