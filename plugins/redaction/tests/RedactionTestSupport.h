#pragma once
// Helpers for the redaction unit tests: the shared TestPluginContext (an INI text for the
// configuration; it collects the log filters the plugin adds).

#include "TestPluginContext.h"

namespace portico::redaction::test {

using Context = portico::test::TestPluginContext;

} // namespace portico::redaction::test
