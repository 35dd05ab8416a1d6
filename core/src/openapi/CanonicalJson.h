#pragma once
// JSON text with one fixed layout: object keys sorted, two-space indentation, one value per
// line, numbers as JSON numbers. The checked-in docs/openapi/portico.json is compared byte for
// byte with a freshly generated document, so the text must not depend on insertion order.

#include "Poco/Dynamic/Var.h"
#include "Poco/JSON/Object.h"
#include <string>

namespace portico {

/// `value` (a Poco::JSON::Object::Ptr, Array::Ptr or scalar) as canonical JSON text, ending
/// with a newline.
std::string canonicalJson(const Poco::Dynamic::Var& value);

/// Parses JSON text into a value; throws std::runtime_error naming `what` on a syntax error.
Poco::Dynamic::Var parseJson(const std::string& text, const std::string& what);

} // namespace portico
