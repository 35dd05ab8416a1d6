// The redaction plugin's entry point (the only exported symbol of redaction.so).
#include "RedactionPlugin.h"
#include "portico/Abi.h"

PORTICO_PLUGIN(portico::redaction::RedactionPlugin, "redaction", "1.0.0")
