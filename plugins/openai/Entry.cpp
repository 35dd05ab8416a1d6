// The openai plugin's entry point (the only exported symbol of openai.so).
#include "OpenAiPlugin.h"
#include "portico/Abi.h"

PORTICO_PLUGIN(portico::openai::OpenAiPlugin, "openai", "1.0.0")
