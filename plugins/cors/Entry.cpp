// The cors plugin's entry point (the only exported symbol of cors.so).
#include "CorsPlugin.h"
#include "portico/Abi.h"

PORTICO_PLUGIN(portico::cors::CorsPlugin, "cors", "1.0.0")
