#include "config/ConfigLoader.h"
#include "portico/Errors.h"
#include "Poco/DOM/AutoPtr.h"
#include "Poco/DOM/DOMParser.h"
#include "Poco/DOM/Document.h"
#include "Poco/DOM/Element.h"
#include "Poco/DOM/NamedNodeMap.h"
#include "Poco/DOM/NodeList.h"
#include "Poco/DOM/Text.h"
#include "Poco/File.h"
#include "Poco/Path.h"
#include "Poco/SAX/SAXException.h"
#include "Poco/String.h"
#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace portico {

namespace {

std::string readFile(const std::string& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw ConfigError(file + ": cannot open config file");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Drops an inline comment: ';' or '#' preceded by white space ("8000   ; host:port").
std::string stripInlineComment(const std::string& value)
{
    for (std::size_t i = 1; i < value.size(); ++i)
        if ((value[i] == ';' || value[i] == '#') && (value[i - 1] == ' ' || value[i - 1] == '\t'))
            return Poco::trimRight(value.substr(0, i));
    return value;
}

bool validKey(const std::string& key)
{
    if (key.empty() || key.front() == '.' || key.back() == '.')
        return false;
    for (char c : key)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/'))
            return false;
    return true;
}

void put(LoadedConfig& config, const std::string& key, const std::string& value, const std::string& where)
{
    if (!validKey(key))
        throw ConfigError(where + ": invalid key '" + key + "'");
    if (config.values->hasProperty(key))
        throw ConfigError(where + ": '" + key + "' is set twice");
    config.values->setString(key, value);
    (*config.origins)[key] = config.file;
}

// Generic XML mapping: attributes and leaf elements become dotted keys below `prefix`.
void walkElement(LoadedConfig& config, const Poco::XML::Element& element, const std::string& prefix)
{
    const std::string where = config.file + ": <" + element.nodeName() + ">";
    Poco::AutoPtr<Poco::XML::NamedNodeMap> attributes = element.attributes();
    for (unsigned long i = 0; i < attributes->length(); ++i)
    {
        const auto* attribute = attributes->item(i);
        put(config, prefix + "." + attribute->nodeName(), Poco::trim(attribute->nodeValue()), where);
    }
    bool hasChildElements = false;
    std::string text;
    for (auto* node = element.firstChild(); node; node = node->nextSibling())
    {
        if (node->nodeType() == Poco::XML::Node::ELEMENT_NODE)
        {
            hasChildElements = true;
            const auto& child = static_cast<const Poco::XML::Element&>(*node);
            walkElement(config, child, prefix + "." + child.nodeName());
        }
        else if (node->nodeType() == Poco::XML::Node::TEXT_NODE ||
                 node->nodeType() == Poco::XML::Node::CDATA_SECTION_NODE)
            text += node->nodeValue();
    }
    text = Poco::trim(text);
    if (hasChildElements && !text.empty())
        throw ConfigError(where + ": mixes text and elements");
    // A leaf is a value; an element with only attributes (<security enabled="false"/>) is not.
    if (!hasChildElements && (attributes->length() == 0 || !text.empty()))
        put(config, prefix, text, where);
}

// <plugins path="…"><plugin name="a"/><plugin name="b" enabled="false"/></plugins>
void walkPlugins(LoadedConfig& config, const Poco::XML::Element& plugins)
{
    const std::string where = config.file + ": <plugins>";
    std::string order;
    Poco::AutoPtr<Poco::XML::NamedNodeMap> attributes = plugins.attributes();
    for (unsigned long i = 0; i < attributes->length(); ++i)
        put(config, "plugins." + attributes->item(i)->nodeName(), Poco::trim(attributes->item(i)->nodeValue()), where);
    for (auto* node = plugins.firstChild(); node; node = node->nextSibling())
    {
        if (node->nodeType() != Poco::XML::Node::ELEMENT_NODE)
            continue;
        const auto& child = static_cast<const Poco::XML::Element&>(*node);
        if (child.nodeName() != "plugin")
        {
            walkElement(config, child, "plugins." + child.nodeName());
            continue;
        }
        const std::string name = Poco::trim(child.getAttribute("name"));
        if (name.empty())
            throw ConfigError(where + ": <plugin> without a name attribute");
        order += (order.empty() ? "" : ", ") + name;
        Poco::AutoPtr<Poco::XML::NamedNodeMap> pluginAttributes = child.attributes();
        for (unsigned long i = 0; i < pluginAttributes->length(); ++i)
        {
            const std::string attribute = pluginAttributes->item(i)->nodeName();
            if (attribute == "name")
                continue;
            if (attribute != "enabled")
                throw ConfigError(where + ": <plugin name=\"" + name + "\"> has unknown attribute '" +
                                  attribute + "' (settings go in <" + name + ">)");
            put(config, name + ".enabled", Poco::trim(pluginAttributes->item(i)->nodeValue()), where);
        }
    }
    if (!order.empty())
        put(config, "plugins.order", order, where);
}

} // namespace

LoadedConfig ConfigLoader::load(const std::string& file)
{
    LoadedConfig config = loadFile(file);
    Poco::Path overridesDir(file);
    overridesDir.makeParent().pushDirectory("conf.d");
    const Poco::File directory(overridesDir);
    if (!directory.exists() || !directory.isDirectory())
        return config;
    std::vector<std::string> names;
    directory.list(names);
    std::sort(names.begin(), names.end());
    for (const auto& name : names)
    {
        const std::string extension = Poco::toLower(Poco::Path(name).getExtension());
        if (extension != "ini" && extension != "xml")
            continue; // README, editor backups, *.dpkg-dist ...
        const std::string overrideFile = Poco::Path(overridesDir, name).toString();
        const LoadedConfig overlay = loadFile(overrideFile);
        for (const auto& [key, origin] : *overlay.origins)
        {
            config.values->setString(key, overlay.values->getRawString(key));
            (*config.origins)[key] = origin;
        }
        config.files.push_back(overrideFile);
    }
    return config;
}

LoadedConfig ConfigLoader::loadFile(const std::string& file)
{
    const std::string extension = Poco::toLower(Poco::Path(file).getExtension());
    if (extension == "ini" || extension == "conf")
        return parseIni(readFile(file), file);
    if (extension == "xml")
        return parseXml(readFile(file), file);
    throw ConfigError(file + ": unknown config format (use a .ini or .xml file)");
}

LoadedConfig ConfigLoader::parseIni(const std::string& text, const std::string& file)
{
    LoadedConfig config{new Poco::Util::MapConfiguration, file, {file}};
    std::istringstream in(text);
    std::string line;
    std::string section;
    int number = 0;
    while (std::getline(in, line))
    {
        ++number;
        const std::string where = file + ":" + std::to_string(number);
        const std::string trimmed = Poco::trim(line);
        if (trimmed.empty() || trimmed[0] == ';' || trimmed[0] == '#')
            continue;
        if (trimmed[0] == '[')
        {
            const auto close = trimmed.find(']');
            if (close == std::string::npos)
                throw ConfigError(where + ": section header without ']'");
            section = Poco::trim(trimmed.substr(1, close - 1));
            if (!validKey(section))
                throw ConfigError(where + ": invalid section name '" + section + "'");
            continue;
        }
        const auto equals = trimmed.find('=');
        if (equals == std::string::npos)
            throw ConfigError(where + ": expected 'key = value', got '" + trimmed + "'");
        if (section.empty())
            throw ConfigError(where + ": key outside a [section]");
        const std::string key = Poco::trim(trimmed.substr(0, equals));
        const std::string value = stripInlineComment(Poco::trim(trimmed.substr(equals + 1)));
        put(config, section + "." + key, value, where);
    }
    return config;
}

LoadedConfig ConfigLoader::parseXml(const std::string& text, const std::string& file)
{
    LoadedConfig config{new Poco::Util::MapConfiguration, file, {file}};
    Poco::XML::DOMParser parser;
    parser.setFeature(Poco::XML::XMLReader::FEATURE_NAMESPACES, false);
    Poco::AutoPtr<Poco::XML::Document> document;
    try
    {
        document = parser.parseString(text);
    }
    catch (const Poco::Exception& e)
    {
        throw ConfigError(file + ": not well-formed XML: " + e.displayText());
    }
    const auto* root = document->documentElement();
    if (!root || root->nodeName() != "portico")
        throw ConfigError(file + ": the root element must be <portico>");
    for (auto* node = root->firstChild(); node; node = node->nextSibling())
    {
        if (node->nodeType() != Poco::XML::Node::ELEMENT_NODE)
            continue;
        const auto& section = static_cast<const Poco::XML::Element&>(*node);
        if (section.nodeName() == "plugins")
            walkPlugins(config, section);
        else
            walkElement(config, section, section.nodeName());
    }
    return config;
}

} // namespace portico
