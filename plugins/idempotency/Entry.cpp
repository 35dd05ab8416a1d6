// The idempotency plugin's entry point (the only exported symbol of idempotency.so).
#include "IdempotencyPlugin.h"
#include "portico/Abi.h"

PORTICO_PLUGIN(portico::idempotency::IdempotencyPlugin, "idempotency", "1.0.0")
