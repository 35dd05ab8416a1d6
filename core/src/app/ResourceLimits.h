#pragma once
// The process limits porticod raises at start: every client connection is a descriptor, so the
// soft RLIMIT_NOFILE (often 1024) is raised to the hard limit (the systemd unit sets
// LimitNOFILE=65536). server.max_connections is then checked against what was granted.

namespace portico {

struct DescriptorLimit
{
    long long soft = 0; ///< after raising
    long long hard = 0;
};

/// Raises the soft descriptor limit to the hard one; returns both (0 when unknown).
DescriptorLimit raiseDescriptorLimit();

} // namespace portico
