// The otel plugin's entry point (the only exported symbol of otel.so).
#include "OtelPlugin.h"
#include "portico/Abi.h"

PORTICO_PLUGIN(portico::otel::OtelPlugin, "otel", "1.0.0")
