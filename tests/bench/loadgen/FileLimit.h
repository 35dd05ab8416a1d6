#pragma once
/// Thousands of sockets need more descriptors than the usual soft limit of 1024.

namespace portico::loadgen {

/// Raises RLIMIT_NOFILE's soft limit towards `wanted` (at most the hard limit); returns the soft
/// limit in force afterwards.
long raiseFileLimit(long wanted);

} // namespace portico::loadgen
