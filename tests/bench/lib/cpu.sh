# How busy the machine was with work that is not the bench's. The machine may be shared (builds,
# other benches): /proc/stat counts every CPU's time, /proc/<pid>/stat our processes' time, and
# the difference over a wrk run is "other load", reported beside each figure so that a reader
# can tell a slow server from a busy machine. All values are clock ticks.

# cpu_ticks: "busy total" over all CPUs since boot (busy = user nice system irq softirq steal).
cpu_ticks() {
    awk '$1 == "cpu" { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6; exit }' /proc/stat
}

# process_ticks PID: CPU time of PID and of the children it has reaped (for the shell: its
# finished wrk runs and helper commands).
process_ticks() {
    [[ -r /proc/$1/stat ]] || { echo 0; return 0; }
    sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 + $14 + $15 }'
}

# server_ticks PID: process_ticks of a server and of its direct children (nginx's worker). One
# level only, on purpose: a server has no deeper tree.
server_ticks() {
    local total child
    local -a children=()
    total=$(process_ticks "$1")
    read -ra children <"/proc/$1/task/$1/children" 2>/dev/null || true
    for child in "${children[@]}"; do
        total=$((total + $(process_ticks "$child")))
    done
    echo "$total"
}

# cpu_mark SERVER_PID...: a snapshot for other_load_percent ("busy total ours"); ours = the
# servers (a relay and its upstream count as ours together) and this shell's reaped children.
cpu_mark() {
    local ours pid
    ours=$(process_ticks $$)
    for pid in "$@"; do ours=$((ours + $(server_ticks "$pid"))); done
    echo "$(cpu_ticks) $ours"
}

# other_load_percent BEFORE AFTER: the share of all CPUs' time between two marks that went to
# processes other than the server under test and this shell's children (wrk).
other_load_percent() {
    awk -v before="$1" -v after="$2" 'BEGIN {
        split(before, b, " "); split(after, a, " ")
        total = a[2] - b[2]; other = (a[1] - b[1]) - (a[3] - b[3])
        printf "%.1f\n", (total > 0 && other > 0) ? 100 * other / total : 0 }'
}

# wait_for_quiet: before a round, waits until the machine's CPUs are less than 15% busy over one
# second; our servers are idle then, so what is busy is someone else. The waits of the whole run
# share one budget, BENCH_QUIET_WAIT seconds (default 30), so that a machine that stays busy
# costs half a minute, not minutes. After that it measures anyway: the "other" column tells.
QUIET_LEFT=${BENCH_QUIET_WAIT:-30}
wait_for_quiet() {
    local started=$SECONDS before busy
    ((QUIET_LEFT > 0)) || return 0
    while :; do
        before=$(cpu_ticks)
        sleep 1
        busy=$(awk -v before="$before" -v after="$(cpu_ticks)" 'BEGIN {
            split(before, b, " "); split(after, a, " ")
            print (a[2] > b[2]) ? int(100 * (a[1] - b[1]) / (a[2] - b[2])) : 0 }')
        ((busy < 15)) && break
        if ((SECONDS - started >= QUIET_LEFT)); then
            note "machine still ${busy}% busy with other work; measuring anyway (quiet-wait budget used up)"
            break
        fi
    done
    QUIET_LEFT=$((QUIET_LEFT - (SECONDS - started)))
}
