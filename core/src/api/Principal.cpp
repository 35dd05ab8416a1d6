#include "portico/Principal.h"

namespace portico {

bool validPrincipalName(std::string_view principal)
{
    if (principal.empty() || principal.size() > 128)
        return false;
    for (char c : principal)
    {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == ':' || c == '@' || c == '+' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

} // namespace portico
