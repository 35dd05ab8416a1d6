#include "ConstantTime.h"

namespace portico::auth {

bool constantTimeEquals(const unsigned char* a, const unsigned char* b, std::size_t length)
{
    // The accumulator is volatile so that the compiler cannot turn the loop into an early exit
    // (or a memcmp) once it could prove the answer.
    volatile unsigned char difference = 0;
    for (std::size_t i = 0; i < length; ++i)
        difference = static_cast<unsigned char>(difference | (a[i] ^ b[i]));
    return difference == 0;
}

} // namespace portico::auth
