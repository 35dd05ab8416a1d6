#include "KeyStore.h"
#include "portico/Principal.h"
#include "ConstantTime.h"
#include "Poco/SHA2Engine.h"
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sys/stat.h>

namespace portico::auth {

namespace {

constexpr const char* HashPrefix = "sha256:";
/// A keys file with a million keys is ~80 MB; anything near this is a wrong path.
constexpr off_t MaxFileBytes = 64LL * 1024 * 1024;

bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/// The whitespace-separated fields of a line, up to a field starting with '#'.
std::vector<std::string_view> fieldsOf(std::string_view line)
{
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < line.size())
    {
        while (i < line.size() && blank(line[i]))
            ++i;
        if (i == line.size() || line[i] == '#')
            break;
        const std::size_t start = i;
        while (i < line.size() && !blank(line[i]))
            ++i;
        fields.push_back(line.substr(start, i - start));
    }
    return fields;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

} // namespace

bool KeyStore::parseDigest(std::string_view hex, Digest& digest)
{
    if (hex.size() != digest.size() * 2)
        return false;
    for (std::size_t i = 0; i < digest.size(); ++i)
    {
        const int high = hexValue(hex[2 * i]);
        const int low = hexValue(hex[2 * i + 1]);
        if (high < 0 || low < 0)
            return false;
        digest[i] = static_cast<unsigned char>(high << 4 | low);
    }
    return true;
}

std::string KeyStore::hexOf(const Digest& digest)
{
    static const char* const hex = "0123456789abcdef";
    std::string out;
    out.reserve(digest.size() * 2);
    for (unsigned char byte : digest)
    {
        out += hex[byte >> 4];
        out += hex[byte & 0xF];
    }
    return out;
}

namespace {

ConfigError lineError(const std::string& source, std::size_t line, const std::string& why)
{
    return ConfigError(source + ":" + std::to_string(line) + ": " + why);
}

} // namespace

bool KeyStore::validPrincipal(std::string_view principal)
{
    return validPrincipalName(principal);
}

KeyStore KeyStore::parse(const std::string& text, const std::string& source)
{
    KeyStore store;
    std::size_t lineNumber = 0;
    std::size_t start = 0;
    while (start < text.size())
    {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        std::string_view line(text.data() + start, end - start);
        start = end + 1;
        ++lineNumber;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);

        const auto fields = fieldsOf(line);
        if (fields.empty())
            continue; // blank or comment
        if (fields.size() != 2)
            throw lineError(source, lineNumber,
                            "expected \"<principal> sha256:<64 lowercase hex>\", found " +
                                std::to_string(fields.size()) + " field(s)");
        if (!validPrincipal(fields[0]))
            throw lineError(source, lineNumber,
                            "the principal must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ + -");
        const std::string_view hash = fields[1];
        if (hash.compare(0, std::strlen(HashPrefix), HashPrefix) != 0)
            throw lineError(source, lineNumber,
                            "the second field must be sha256:<64 lowercase hex of the key>, never the key itself "
                            "(make the line with: porticod --hash-key)");
        Entry entry{std::string(fields[0]), {}};
        if (!KeyStore::parseDigest(hash.substr(std::strlen(HashPrefix)), entry.digest))
            throw lineError(source, lineNumber, "expected exactly 64 lowercase hex digits after sha256:");
        const auto [at, inserted] = store.index_.emplace(entry.digest, store.entries_.size());
        if (!inserted)
            throw lineError(source, lineNumber,
                            "the same key hash is already listed (for principal " + store.entries_[at->second].principal +
                                "); a key must belong to one principal");
        store.entries_.push_back(std::move(entry));
    }
    return store;
}

KeyStore KeyStore::load(const std::string& file)
{
    struct stat info{};
    if (::stat(file.c_str(), &info) != 0)
        throw KeyFileUnreadable("cannot read keys file " + file + ": " + std::strerror(errno));
    if (!S_ISREG(info.st_mode))
        throw KeyFileUnreadable("keys file " + file + " is not a regular file");
    if (info.st_size > MaxFileBytes)
        throw KeyFileUnreadable("keys file " + file + " is larger than 64 MiB; refusing to read it");
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw KeyFileUnreadable("cannot open keys file " + file + ": " + std::strerror(errno));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw KeyFileUnreadable("cannot read keys file " + file + ": " + std::strerror(errno));
    return parse(text, file);
}

KeyStore::Digest KeyStore::digestOf(std::string_view key)
{
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(key.data(), static_cast<unsigned>(key.size()));
    const Poco::DigestEngine::Digest& bytes = engine.digest();
    Digest digest{};
    std::copy(bytes.begin(), bytes.end(), digest.begin());
    return digest;
}

const std::string* KeyStore::principalFor(std::string_view key) const
{
    const std::size_t index = indexFor(key);
    return index == NotFound ? nullptr : &entries_[index].principal;
}

std::size_t KeyStore::indexFor(std::string_view key) const
{
    return indexForDigest(digestOf(key));
}

std::size_t KeyStore::indexForDigest(const Digest& digest) const
{
    const auto found = index_.find(digest);
    return found == index_.end() ? NotFound : found->second;
}

bool KeyStore::DigestEqual::operator()(const Digest& a, const Digest& b) const noexcept
{
    return constantTimeEquals(a.data(), b.data(), a.size()) != 0;
}

} // namespace portico::auth
