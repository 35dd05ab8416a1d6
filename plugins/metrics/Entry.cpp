// The metrics plugin's entry point (the only exported symbol of metrics.so).
#include "MetricsPlugin.h"
#include "portico/Abi.h"

PORTICO_PLUGIN(portico::metrics::MetricsPlugin, "metrics", "1.0.0")
