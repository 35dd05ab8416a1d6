#include "JsonTree.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Parser.h"
#include "Poco/JSON/Stringifier.h"
#include <sstream>

namespace portico::openai::jsontree {

Poco::JSON::Object::Ptr parseObject(std::string_view text)
{
    try
    {
        const Poco::Dynamic::Var parsed = Poco::JSON::Parser().parse(std::string(text));
        if (parsed.type() == typeid(Poco::JSON::Object::Ptr))
            return parsed.extract<Poco::JSON::Object::Ptr>();
    }
    catch (const Poco::Exception&)
    {
    }
    return nullptr;
}

std::string stringOf(const Poco::JSON::Object& object, const std::string& key)
{
    const Poco::Dynamic::Var value = object.get(key);
    return value.isString() ? value.extract<std::string>() : std::string();
}

long long numberOf(const Poco::JSON::Object* object, const std::string& key)
{
    if (!object)
        return 0;
    const Poco::Dynamic::Var value = object->get(key);
    return value.isEmpty() || !value.isNumeric() ? 0 : value.convert<long long>();
}

std::string toJson(const Poco::Dynamic::Var& value)
{
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    return out.str();
}

} // namespace portico::openai::jsontree
