// The tracing plugin's entry point (the only exported symbol of tracing.so).
#include "TracingPlugin.h"
#include "portico/Abi.h"

PORTICO_PLUGIN(portico::tracing::TracingPlugin, "tracing", "1.0.0")
