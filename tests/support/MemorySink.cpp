#include "MemorySink.h"

namespace portico::test {

bool MemorySink::sendWhole(const Response& response)
{
    sentHead = response;
    sentWhole = true;
    body = response.body;
    return true;
}

bool MemorySink::beginStream(const Response& response)
{
    sentHead = response;
    streamBegun = true;
    return true;
}

bool MemorySink::writeChunk(std::string_view chunk)
{
    if (failAfterChunks >= 0 && static_cast<int>(chunks.size()) >= failAfterChunks)
        return false;
    chunks.emplace_back(chunk);
    body.append(chunk);
    return true;
}

void MemorySink::endStream()
{
    streamEnded = true;
}

void MemorySink::abortStream()
{
    streamAborted = true;
}

} // namespace portico::test
