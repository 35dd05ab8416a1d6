// The ratelimit plugin's entry point (the only exported symbol of ratelimit.so).
#include "RateLimitPlugin.h"
#include "portico/Abi.h"

PORTICO_PLUGIN(portico::ratelimit::RateLimitPlugin, "ratelimit", "1.0.0")
