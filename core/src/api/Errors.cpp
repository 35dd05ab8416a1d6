#include "portico/Errors.h"
#include "Poco/Exception.h"

namespace portico {

std::string describeException(const std::exception& e)
{
    if (const auto* poco = dynamic_cast<const Poco::Exception*>(&e))
        return poco->displayText();
    return e.what();
}

} // namespace portico
