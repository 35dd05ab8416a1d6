#include "MemorySink.h"

namespace portico::test {

void MemorySink::sendWhole(const Response& response)
{
    sentHead = response;
    sentWhole = true;
    body = response.body;
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

} // namespace portico::test
