// The security plugin's entry point (the only exported symbol of security.so).
#include "SecurityPlugin.h"
#include "portico/Abi.h"

PORTICO_PLUGIN(portico::security::SecurityPlugin, "security", "1.0.0")
