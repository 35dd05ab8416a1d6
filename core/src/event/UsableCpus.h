#pragma once
// How many CPUs porticod can actually use, for the default number of event loops.
//
// std::thread::hardware_concurrency() counts the machine's online CPUs. A process started under
// taskset, systemd's CPUAffinity=, a container's cpuset (docker --cpuset-cpus) or a CPU quota
// (docker --cpus, a Kubernetes CPU limit) can use fewer, and a loop per CPU it cannot run on
// only adds switching: two loops on one CPU take turns sleeping. So the count is the CPUs in the
// process's affinity mask, lowered to a cgroup v2 CPU quota rounded up (as Go and the JVM size
// themselves, and nginx's `worker_processes auto` follows the affinity mask).

#include <optional>
#include <string>
#include <string_view>

namespace portico {

/// The CPUs in the calling thread's affinity mask (0 when it cannot be read).
int affinityCpuCount();

/// The CPUs a cgroup v2 `cpu.max` value ("<quota> <period>" or "max <period>") allows, rounded
/// up; nullopt for no limit or an unreadable value.
std::optional<int> cpuMaxLimit(std::string_view cpuMax);

/// The tightest `cpu.max` limit on the cgroup that `procSelfCgroup` (the text of
/// /proc/self/cgroup) names and on its ancestors, under the cgroup v2 mount `cgroupRoot`
/// (/sys/fs/cgroup); nullopt when none is set or the process is not in a cgroup v2 hierarchy.
std::optional<int> cgroupCpuLimit(const std::string& cgroupRoot, std::string_view procSelfCgroup);

/// The CPUs this process can use: the affinity mask's count, lowered to the cgroup's CPU
/// quota; at least 1.
int usableCpuCount();

} // namespace portico
