#include "app/KeyTool.h"
#include "portico/ApiKey.h"
#include "portico/Principal.h"
#include "Poco/DigestEngine.h"
#include "Poco/SHA2Engine.h"
#include <cerrno>
#include <cstring>
#include <iostream>
#include <iterator>
#include <stdexcept>

namespace portico {

namespace {

constexpr int ExitUsage = 64;   // sysexits.h EX_USAGE
constexpr int ExitDataErr = 65; // EX_DATAERR
constexpr int ExitOsErr = 71;   // EX_OSERR

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

} // namespace

std::string KeyTool::generateKey()
{
    return generateApiKey();
}

std::string KeyTool::keysFileLine(const std::string& principal, const std::string& key)
{
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(key);
    return principal + " sha256:" + Poco::DigestEngine::digestToHex(engine.digest());
}

bool KeyTool::validPrincipal(const std::string& principal)
{
    return validPrincipalName(principal);
}

int KeyTool::newKey(const std::string& principal, std::ostream& out, std::ostream& err)
{
    if (!validPrincipal(principal))
    {
        err << "porticod: --new-key: the principal must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ + -" << std::endl;
        return ExitUsage;
    }
    std::string key;
    try
    {
        key = generateKey();
    }
    catch (const std::exception& e)
    {
        err << "porticod: --new-key: " << e.what() << std::endl;
        return ExitOsErr;
    }
    out << key << "\n" << keysFileLine(principal, key) << std::endl;
    err << "porticod: the first line is the key for " << principal
        << ": it is shown only this once, give it to the client now.\n"
           "porticod: append the second line to the keys file (auth.keys_file) and reload porticod (SIGHUP)."
        << std::endl;
    return 0;
}

int KeyTool::hashKey(const std::string& principal, std::istream& in, std::ostream& out, std::ostream& err)
{
    const std::string name = principal.empty() ? "unnamed" : principal;
    if (!validPrincipal(name))
    {
        err << "porticod: --hash-key: the principal must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ + -" << std::endl;
        return ExitUsage;
    }
    std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t begin = 0;
    std::size_t end = key.size();
    while (begin < end && isSpace(key[begin]))
        ++begin;
    while (end > begin && isSpace(key[end - 1]))
        --end;
    key = key.substr(begin, end - begin);
    if (key.empty())
    {
        err << "porticod: --hash-key: no key on standard input (try: echo -n \"$KEY\" | porticod --hash-key=NAME)"
            << std::endl;
        return ExitDataErr;
    }
    for (char c : key)
        if (isSpace(c) || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        {
            err << "porticod: --hash-key: the key contains whitespace or a control character; a Bearer token "
                   "cannot carry it"
                << std::endl;
            return ExitDataErr;
        }
    out << keysFileLine(name, key) << std::endl;
    if (principal.empty())
        err << "porticod: the principal is \"unnamed\": edit it, or pass --hash-key=NAME" << std::endl;
    return 0;
}

} // namespace portico
