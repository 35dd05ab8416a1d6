#pragma once
/// PORTICO_API marks what libportico-core.so exports: the plugin API and nothing else. The
/// library is built with hidden visibility, so the host's own classes (the event loops, the
/// connections, the chain runner) stay private to porticod and can change without a plugin
/// noticing. Plugins are built hidden too and export only their entry point.

#if defined(__GNUC__)
#define PORTICO_API __attribute__((visibility("default")))
#else
#define PORTICO_API
#endif
