#include "portico/ApiKey.h"
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/random.h>

namespace portico {

namespace {

constexpr const char* KeyPrefix = "sk-portico-";
constexpr std::size_t KeyRandomChars = 43; // 43 * log2(62) = 256.03 bits
constexpr const char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

} // namespace

/// Fills `buffer` from getrandom(2), which blocks only until the kernel's pool is first seeded
/// and never falls back to a weaker source.
void fillRandom(unsigned char* buffer, std::size_t length)
{
    std::size_t filled = 0;
    while (filled < length)
    {
        const ssize_t got = getrandom(buffer + filled, length - filled, 0);
        if (got < 0)
        {
            if (errno == EINTR)
                continue;
            throw std::runtime_error(std::string("getrandom failed: ") + std::strerror(errno));
        }
        filled += static_cast<std::size_t>(got);
    }
}

std::string generateApiKey()
{
    constexpr unsigned alphabetSize = sizeof Alphabet - 1; // 62
    // Rejection sampling: bytes >= 248 (4 * 62) are dropped so every character is equally likely.
    constexpr unsigned limit = 256 - 256 % alphabetSize;
    std::string key = KeyPrefix;
    unsigned char pool[64];
    while (key.size() < std::strlen(KeyPrefix) + KeyRandomChars)
    {
        fillRandom(pool, sizeof pool);
        for (unsigned char byte : pool)
        {
            if (byte >= limit)
                continue;
            key += Alphabet[byte % alphabetSize];
            if (key.size() == std::strlen(KeyPrefix) + KeyRandomChars)
                break;
        }
    }
    std::memset(pool, 0, sizeof pool);
    return key;
}

} // namespace portico
