#pragma once
// Assertions the suites share: substring checks with readable failure messages, and "this
// must throw X; give me its message" for checking that errors name the file and key.

#include "portico/Errors.h"
#include <cppunit/extensions/HelperMacros.h>
#include <functional>
#include <string>

/// Fails unless `haystack` contains `needle`, showing both.
#define PORTICO_ASSERT_CONTAINS(haystack, needle)                                                    \
    CPPUNIT_ASSERT_MESSAGE(std::string("expected to find \"") + (needle) + "\" in \"" + (haystack) + "\"", \
                           std::string(haystack).find(needle) != std::string::npos)

/// Fails if `haystack` contains `needle`.
#define PORTICO_ASSERT_NOT_CONTAINS(haystack, needle)                                                \
    CPPUNIT_ASSERT_MESSAGE(std::string("did not expect \"") + (needle) + "\" in \"" + (haystack) + "\"", \
                           std::string(haystack).find(needle) == std::string::npos)

namespace portico::test {

/// Runs `action`, which must throw `Error`; returns the exception's message (what()).
template <typename Error = ConfigError>
std::string messageOf(const std::function<void()>& action)
{
    try
    {
        action();
    }
    catch (const Error& e)
    {
        return describeException(e);
    }
    CPPUNIT_FAIL("expected an exception, none was thrown");
    return {};
}

} // namespace portico::test
