#pragma once
/// The process-wide registry of idempotency stores.
///
/// A SIGHUP reload re-creates every plugin from the config; the stored answers and in-flight
/// markers must outlive the plugin object. So stores live here, inside the plugin library (which
/// is never unloaded), keyed by what identifies their data: "memory" (one per process) or
/// "sqlite:<path>". A reload that asks for the same store gets the same object, with its
/// settings (memory bounds, sqlite synchronous mode) updated to the new config; the old chain and
/// the new one share it while requests on the old one finish.

#include "IdempotencyConfig.h"
#include "IdempotencyStore.h"
#include <memory>

namespace portico::idempotency {

/// The store `config` asks for, created on first use. Throws ConfigError (naming the key, via
/// `section`) when it cannot be opened.
std::shared_ptr<IdempotencyStore> openStore(const IdempotencyConfig& config, const PluginConfig& section);

} // namespace portico::idempotency
