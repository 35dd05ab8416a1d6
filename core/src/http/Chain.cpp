#include "http/Chain.h"
#include "portico/Errors.h"
#include "Poco/Logger.h"
#include <sstream>

namespace portico {

Chain::~Chain()
{
    if (!started_)
        return;
    for (auto it = links_.rbegin(); it != links_.rend(); ++it)
    {
        try
        {
            it->plugin->stop();
        }
        catch (const std::exception& e)
        {
            Poco::Logger::get("portico.core").error("plugin " + it->name + ": stop() threw: " + describeException(e));
        }
    }
}

void Chain::start()
{
    for (auto& link : links_)
    {
        try
        {
            link.plugin->start();
        }
        catch (const std::exception& e)
        {
            throw ConfigError("plugin " + link.name + " (" + link.file + "): start failed: " + describeException(e));
        }
    }
    started_ = true;
}

std::string Chain::notReady() const
{
    for (const auto& link : links_)
    {
        std::string why;
        try
        {
            why = link.plugin->notReadyReason();
        }
        catch (const std::exception& e)
        {
            why = "readiness check threw: " + describeException(e);
        }
        if (!why.empty())
            return link.name + ": " + why;
    }
    return {};
}

std::string Chain::describe() const
{
    std::ostringstream out;
    out << "chain (request order):";
    if (links_.empty())
        out << " (no plugins)";
    out << "\n";
    int position = 1;
    for (const auto& link : links_)
        out << "  " << position++ << ". " << link.name << " " << link.version << "  " << link.file << "\n";
    out << "routes:\n";
    for (const auto& route : routes_.routes())
        out << "  " << route.method << " " << route.pattern << "\n";
    if (!adminRoutes_.routes().empty())
    {
        out << "admin routes ([admin] listen):\n";
        for (const auto& route : adminRoutes_.routes())
            out << "  " << route.method << " " << route.pattern << "\n";
    }
    return out.str();
}

} // namespace portico
