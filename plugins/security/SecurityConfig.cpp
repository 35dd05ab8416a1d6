#include "SecurityConfig.h"

namespace portico::security {

namespace {

struct Default
{
    const char* key;
    const char* header;
    const char* value;
};

const Default defaults[] = {
    {"strict_transport_security", "Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
    {"content_type_options", "X-Content-Type-Options", "nosniff"},
    {"frame_options", "X-Frame-Options", "DENY"},
    {"referrer_policy", "Referrer-Policy", "no-referrer"},
    {"content_security_policy", "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
};

bool safeHeaderValue(const std::string& value)
{
    for (char c : value)
        if (c == '\r' || c == '\n' || c == '\0')
            return false;
    return true;
}

} // namespace

SecurityConfig SecurityConfig::from(const PluginConfig& config)
{
    SecurityConfig result;
    for (const auto& entry : defaults)
    {
        const std::string key = entry.key;
        const bool enabled = config.getBool(key + ".enabled", true);
        const std::string value = config.getString(key, entry.value);
        if (value.empty())
            throw config.error(key, "empty value (set " + key + ".enabled = false to drop the header)");
        if (!safeHeaderValue(value))
            throw config.error(key, "value contains a line break or NUL");
        if (enabled)
            result.headers.push_back({entry.header, value});
    }
    return result;
}

} // namespace portico::security
