#include "openapi/CanonicalJson.h"
#include "portico/Json.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Parser.h"
#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace portico {

namespace {

void write(const Poco::Dynamic::Var& value, int depth, std::string& out);

void newline(int depth, std::string& out)
{
    out += '\n';
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
}

void writeNumber(const Poco::Dynamic::Var& value, std::string& out)
{
    if (value.isInteger())
    {
        out += value.isSigned() ? std::to_string(value.convert<long long>())
                                : std::to_string(value.convert<unsigned long long>());
        return;
    }
    const double number = value.convert<double>();
    if (!std::isfinite(number))
        throw std::runtime_error("JSON cannot hold a non-finite number");
    if (number == std::floor(number) && std::fabs(number) < 1e15)
    {
        out += std::to_string(static_cast<long long>(number));
        return;
    }
    std::ostringstream text;
    text.precision(17);
    text << number;
    out += text.str();
}

void writeObject(const Poco::JSON::Object& object, int depth, std::string& out)
{
    if (object.size() == 0)
    {
        out += "{}";
        return;
    }
    // Poco::JSON::Object keeps its keys in a std::map unless asked to preserve order: sort
    // explicitly so that either kind gives the same text.
    std::vector<std::string> names;
    object.getNames(names);
    std::sort(names.begin(), names.end());
    out += '{';
    bool first = true;
    for (const auto& name : names)
    {
        if (!first)
            out += ',';
        first = false;
        newline(depth + 1, out);
        out += jsonString(name);
        out += ": ";
        write(object.get(name), depth + 1, out);
    }
    newline(depth, out);
    out += '}';
}

void writeArray(const Poco::JSON::Array& array, int depth, std::string& out)
{
    if (array.size() == 0)
    {
        out += "[]";
        return;
    }
    out += '[';
    for (std::size_t i = 0; i < array.size(); ++i)
    {
        if (i)
            out += ',';
        newline(depth + 1, out);
        write(array.get(static_cast<unsigned>(i)), depth + 1, out);
    }
    newline(depth, out);
    out += ']';
}

void write(const Poco::Dynamic::Var& value, int depth, std::string& out)
{
    if (value.isEmpty())
        out += "null";
    else if (value.type() == typeid(Poco::JSON::Object::Ptr))
        writeObject(*value.extract<Poco::JSON::Object::Ptr>(), depth, out);
    else if (value.type() == typeid(Poco::JSON::Array::Ptr))
        writeArray(*value.extract<Poco::JSON::Array::Ptr>(), depth, out);
    else if (value.type() == typeid(Poco::JSON::Object))
        writeObject(value.extract<Poco::JSON::Object>(), depth, out);
    else if (value.type() == typeid(Poco::JSON::Array))
        writeArray(value.extract<Poco::JSON::Array>(), depth, out);
    else if (value.isBoolean())
        out += value.convert<bool>() ? "true" : "false";
    else if (value.isNumeric())
        writeNumber(value, out);
    else
        out += jsonString(value.convert<std::string>());
}

} // namespace

std::string canonicalJson(const Poco::Dynamic::Var& value)
{
    std::string out;
    write(value, 0, out);
    out += '\n';
    return out;
}

Poco::Dynamic::Var parseJson(const std::string& text, const std::string& what)
{
    try
    {
        Poco::JSON::Parser parser;
        return parser.parse(text);
    }
    catch (const Poco::Exception& e)
    {
        throw std::runtime_error(what + ": not valid JSON (" + e.displayText() + ")");
    }
}

} // namespace portico
