// Differential fuzzing of scanUsage (UsageScanner, JsonObjectScanner first, Poco::JSON when
// unsure) against the same search with every usage object read by Poco::JSON alone
// (findUsage(json, usageByPoco)): for any upstream answer, both must find the same usage
// counts, or both none.

#include "FuzzCheck.h"
#include "UsageScanner.h"
#include <cstdint>
#include <string>

using portico::fuzz::check;
using namespace portico::openai;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    const auto scanned = scanUsage(json);
    const auto reference = findUsage(json, usageByPoco);
    check(scanned.has_value() == reference.has_value(), "scanUsage and Poco::JSON disagree on whether there is usage");
    if (scanned)
    {
        check(scanned->inputTokens == reference->inputTokens, "scanUsage read another input count than Poco::JSON");
        check(scanned->outputTokens == reference->outputTokens, "scanUsage read another output count than Poco::JSON");
        check(scanned->cachedInputTokens == reference->cachedInputTokens,
              "scanUsage read another cached input count than Poco::JSON");
    }
    return 0;
}
