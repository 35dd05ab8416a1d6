// The auth plugin's entry point (the only exported symbol of auth.so).
#include "AuthPlugin.h"
#include "portico/Abi.h"

PORTICO_PLUGIN(portico::auth::AuthPlugin, "auth", "1.0.0")
