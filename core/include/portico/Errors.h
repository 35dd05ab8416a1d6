#pragma once
/// Exceptions the core and plugins use for configuration problems, and a helper that renders
/// any exception (Poco's keep their message in displayText(), not what()) as one line.

#include "portico/Api.h"
#include <stdexcept>
#include <string>

namespace portico {

/// A configuration problem. The message names the file and the key.
class PORTICO_API ConfigError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// One line describing `e`: Poco::Exception's displayText() when it is one, else what().
PORTICO_API std::string describeException(const std::exception& e);

} // namespace portico
