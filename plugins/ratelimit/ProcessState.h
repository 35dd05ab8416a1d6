#pragma once
// What outlives the plugin objects. A reload (SIGHUP) re-creates every plugin from the config; a
// rate limiter that started from full buckets on each reload would hand every client a fresh
// burst, and one that forgot which principals have metric labels would let cardinality creep
// past its bound. So both live here, process-wide, keyed by the plugin's section name, for as
// long as the process runs (plugin libraries are never unloaded).

#include "MemoryBucketStore.h"
#include "PrincipalLabels.h"
#include <memory>
#include <string>

namespace portico::ratelimit {

class ProcessState
{
public:
    /// The memory store for `name`, created on first use with `policy`; later calls (reloads)
    /// apply `policy` to the existing store and keep its buckets.
    static std::shared_ptr<MemoryBucketStore> memoryStore(const std::string& name, const EvictionPolicy& policy);

    /// The principal labels for `name`, created on first use; later calls apply `max`.
    static std::shared_ptr<PrincipalLabels> principalLabels(const std::string& name, std::size_t max);
};

} // namespace portico::ratelimit
