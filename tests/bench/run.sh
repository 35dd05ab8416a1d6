#!/usr/bin/env bash
# Portico's benchmark harness (run by `scripts/dev.sh bench`); see tests/bench/README.md.
#
#   tests/bench/run.sh <build-dir> [scenario...]
#
# <build-dir>: a configured and built Portico build tree. The harness installs it into
# <build-dir>/stage (cmake --install) and runs the staged porticod and plugins, plus
# <build-dir>/tests/bench/portico_bare_poco, portico_loadgen and routing_pick_bench. BENCH_STAGE=DIR:
# run the porticod installed in DIR instead (DIR/sbin/porticod, DIR/lib/portico/plugins), without
# installing. Scenarios (default: all, in this order): healthz models keys proxy passthrough latency
# routing failover otel streams slowloris streams10k relay upload anthropic.
# Knobs (environment): BENCH_ROUNDS, BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONNECTIONS,
# BENCH_WRK_THREADS, BENCH_PIN, BENCH_SERVER_CPUS, BENCH_CLIENT_CPUS, BENCH_QUICK, BENCH_STRICT,
# BENCH_RESULTS_DIR, BENCH_SKIP_INSTALL, BENCH_KEEP_WORK, BENCH_ACCESS_LOG, BENCH_QUIET_WAIT,
# BENCH_LATENCY_*, BENCH_STREAM*, BENCH_HOLD_*, BENCH_RELAY_*, BENCH_FAILOVER_*, BENCH_PROXY_CPUS,
# BENCH_PICK_BENCH, BENCH_STAGE (README.md).
# The table goes to stdout, progress to stderr, the JSON to $BENCH_RESULTS_DIR/<timestamp>.json.
# Exit: 0; 1 when a server failed or answered errors (BENCH_STRICT=1: or missed a target); 2 usage.
set -euo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
    sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
fi
[[ -d $1 ]] || { echo "bench: build directory '$1' does not exist" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
shift
STAGE=${BENCH_STAGE:-$BUILD/stage}
[[ -z ${BENCH_STAGE-} || -d $BENCH_STAGE ]] || { echo "bench: BENCH_STAGE '$BENCH_STAGE' does not exist" >&2; exit 2; }
STAGE=$(cd "$STAGE" 2>/dev/null && pwd || echo "$STAGE")
SCENARIOS=("$@")
((${#SCENARIOS[@]})) || SCENARIOS=(healthz models keys proxy passthrough latency routing failover otel streams slowloris streams10k relay upload anthropic)

# Quick mode (CI smoke, ctest bench_smoke): proves every server answers, measures nothing.
if [[ ${BENCH_QUICK-0} == 1 ]]; then
    ROUNDS=1 DURATION=1 WARMUP=0
else
    ROUNDS=${BENCH_ROUNDS:-5} DURATION=${BENCH_SECONDS:-6} WARMUP=${BENCH_WARMUP_SECONDS:-2}
fi
# The client competes with the server for a 2-core machine. The server gets CPU 0 and wrk CPU 1
# (taskset), so that neither steals the other's core and every server is measured on exactly
# one core: porticod, bare Poco and nginx (one worker) alike. Hence one wrk thread (it owns one
# core), and 32 connections: enough to keep the server's core busy, few enough that Poco's
# thread per connection does not turn into a context-switch benchmark.
WRK_THREADS=${BENCH_WRK_THREADS:-1}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
SERVER_CPUS='' CLIENT_CPUS='' PINNING='not pinned'
if [[ ${BENCH_PIN-1} == 1 && $(nproc) -ge 2 ]]; then
    SERVER_CPUS=${BENCH_SERVER_CPUS:-0} CLIENT_CPUS=${BENCH_CLIENT_CPUS:-1}
    PINNING="server CPU $SERVER_CPUS, wrk CPU $CLIENT_CPUS"
fi
STRICT=${BENCH_STRICT-0}
ACCESS_LOG=${BENCH_ACCESS_LOG-0}
RESULTS_DIR=${BENCH_RESULTS_DIR:-$BENCH_DIR/results}
NGINX=${BENCH_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

# shellcheck source=lib/common.sh
source "$BENCH_DIR/lib/common.sh"
# shellcheck source=lib/cpu.sh
source "$BENCH_DIR/lib/cpu.sh"
# shellcheck source=lib/servers.sh
source "$BENCH_DIR/lib/servers.sh"
# shellcheck source=lib/nginx.sh
source "$BENCH_DIR/lib/nginx.sh"
# shellcheck source=lib/wrk.sh
source "$BENCH_DIR/lib/wrk.sh"
# shellcheck source=lib/loadgen.sh
source "$BENCH_DIR/lib/loadgen.sh"
# shellcheck source=lib/report.sh
source "$BENCH_DIR/lib/report.sh"
# Every scenarios/<name>.sh defines scenario_<name>.
for scenario_file in "$BENCH_DIR"/scenarios/*.sh; do
    # shellcheck source=/dev/null
    source "$scenario_file"
done

command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
[[ -x $NGINX ]] || die "nginx is not installed (apt-get install nginx-light)"
[[ -z $SERVER_CPUS ]] || command -v taskset >/dev/null || die "taskset is missing (util-linux); or BENCH_PIN=0"
for scenario in "${SCENARIOS[@]}"; do
    declare -F "scenario_$scenario" >/dev/null || die "unknown scenario '$scenario' (have: $(declare -F | sed -n 's/.*scenario_//p' | tr '\n' ' '))"
done

# Thousands of held streams need thousands of descriptors in porticod and in the load generator
# (which inherit this shell's limit): as porticod's systemd unit does (LimitNOFILE=65536), raise
# the soft limit, up to the hard one.
NOFILE_HARD=$(ulimit -Hn)
if [[ $NOFILE_HARD == unlimited ]] || ((NOFILE_HARD > 65536)); then NOFILE_HARD=65536; fi
(($(ulimit -n) >= NOFILE_HARD)) || ulimit -n "$NOFILE_HARD"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/portico-bench.XXXXXX")
chmod 755 "$WORK" # nginx workers may run as another user
finish() {
    local status=$?
    stop_all
    if [[ $status -ne 0 || ${BENCH_KEEP_WORK-0} == 1 ]]; then
        note "bench: logs and wrk output kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n ${BENCH_STAGE-} ]]; then
    note "using the porticod installed in $STAGE (BENCH_STAGE; nothing installed)"
elif [[ ${BENCH_SKIP_INSTALL-0} != 1 ]]; then
    note "installing $BUILD into $STAGE"
    cmake --install "$BUILD" --prefix "$STAGE" >"$WORK/install.log" 2>&1 ||
        die "cmake --install failed:"$'\n'"$(tail -n 20 "$WORK/install.log")"
fi
[[ -x $STAGE/sbin/porticod ]] || die "$STAGE/sbin/porticod is missing (build and install first)"

STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
COMMIT=$(git -C "$BENCH_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
# The stage was built from the working tree: say so when it differs from the commit.
[[ -z $(git -C "$BENCH_DIR" status --porcelain 2>/dev/null) ]] || COMMIT="$COMMIT-dirty"
# A stage from elsewhere (BENCH_STAGE) was not built from this tree: say which one ran.
[[ -z ${BENCH_STAGE-} ]] || COMMIT="$COMMIT, porticod from $STAGE"
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

for scenario in "${SCENARIOS[@]}"; do
    "scenario_$scenario"
done

summarise
summarise_latency
evaluate
mkdir -p "$RESULTS_DIR"
JSON=$RESULTS_DIR/$(date -u +%Y%m%dT%H%M%SZ).json
write_json "$JSON"
print_table
printf '\nJSON: %s\n' "$JSON"
check_results
