#include "VirtualKey.h"
#include "portico/ApiKey.h"
#include "Poco/Glob.h"

namespace portico::auth {

bool VirtualKey::allowsModel(const std::string& model) const
{
    if (models.empty())
        return true;
    for (const auto& allowed : models)
    {
        // A name without glob characters is compared as it is (the common case, no Glob built).
        if (allowed.find_first_of("*?[\\") == std::string::npos)
        {
            if (allowed == model)
                return true;
        }
        else if (Poco::Glob(allowed).match(model))
            return true;
    }
    return false;
}

std::string newVirtualKeyId()
{
    unsigned char bytes[12];
    fillRandom(bytes, sizeof bytes);
    static const char* hex = "0123456789abcdef";
    std::string id = "vk_";
    for (unsigned char byte : bytes)
    {
        id += hex[byte >> 4];
        id += hex[byte & 0xF];
    }
    return id;
}

bool validVirtualKeyId(const std::string& id)
{
    if (id.size() != 27 || id.compare(0, 3, "vk_") != 0)
        return false;
    for (std::size_t i = 3; i < id.size(); ++i)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

} // namespace portico::auth
