# Load generation with wrk: targets, interleaved rounds, and one sample line per wrk run in
# $WORK/samples.tsv: scenario, target, round, req/s, p50 ms, p99 ms, requests, errors, other
# load % (lib/cpu.sh).

declare -A TARGET_URL=() TARGET_SCRIPT=() TARGET_SERVER=()
# TARGET_STATUS[SCENARIO/TARGET]: the status every answer must have when it is not 2xx/3xx (a
# wrk script that checks it and prints "unexpected statuses: N", e.g. wrong_key.lua for 401);
# then only N and socket errors count as errors. TARGET_OWN_HEADERS[...]=1: the server's
# SERVER_HEADERS are not sent (the script sets its own).
declare -A TARGET_STATUS=() TARGET_OWN_HEADERS=()

# add_target SCENARIO TARGET SERVER PATH [LUA_SCRIPT]: what wrk hits for TARGET in SCENARIO.
add_target() {
    local key=$1/$2
    TARGET_URL[$key]="http://127.0.0.1:${SERVER_PORT[$3]}$4"
    TARGET_SCRIPT[$key]=${5:+$BENCH_DIR/$5}
    TARGET_SERVER[$key]=$3
}

# run_rounds SCENARIO TARGET...: a warm-up per target, then BENCH_ROUNDS rounds in which every
# target gets one run. Each round starts one target further on, so that no target always runs
# first (or always right after the same one) while the machine's load drifts.
run_rounds() {
    local scenario=$1 round i target
    shift
    local -a targets=("$@")
    if ((WARMUP > 0)); then
        for target in "${targets[@]}"; do run_wrk "$scenario" "$target" warmup "$WARMUP"; done
    fi
    for ((round = 1; round <= ROUNDS; round++)); do
        note "$scenario: round $round/$ROUNDS"
        ((ROUNDS == 1)) || wait_for_quiet
        for ((i = 0; i < ${#targets[@]}; i++)); do
            target=${targets[(i + round - 1) % ${#targets[@]}]}
            run_wrk "$scenario" "$target" "$round" "$DURATION"
        done
    done
}

# run_wrk SCENARIO TARGET ROUND SECONDS: one wrk run, pinned to the client CPUs, with the
# server's SERVER_HEADERS (lib/servers.sh) as -H options; the sample is recorded unless ROUND is
# "warmup". Runs in the background so that a signal reaches the traps.
run_wrk() {
    local scenario=$1 target=$2 round=$3 key=$1/$2 out=$WORK/wrk/$1.$2.$3.txt before other
    local -a cmd=(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$4s" --timeout 5s --latency)
    [[ -n ${TARGET_URL[$key]-} ]] || die "no target '$target' in scenario '$scenario' (add_target first)"
    [[ -n ${TARGET_SCRIPT[$key]} ]] && cmd+=(-s "${TARGET_SCRIPT[$key]}")
    # The server's own headers (an API key, Portkey's routing), as the probes sent them.
    local header
    if [[ -z ${TARGET_OWN_HEADERS[$key]-} ]]; then
        while IFS= read -r header; do
            [[ -z $header ]] || cmd+=(-H "$header")
        done <<<"${SERVER_HEADERS[${TARGET_SERVER[$key]}]-}"
    fi
    cmd+=("${TARGET_URL[$key]}")
    [[ -n $CLIENT_CPUS ]] && cmd=(taskset -c "$CLIENT_CPUS" "${cmd[@]}")
    mkdir -p "$WORK/wrk"
    local server_pid=${SERVER_PID[${TARGET_SERVER[$key]}]}
    before=$(cpu_mark "$server_pid")
    "${cmd[@]}" >"$out" 2>&1 &
    CLIENT_PID=$!
    wait "$CLIENT_PID" || die "wrk failed against $target ($scenario):"$'\n'"$(cat "$out")"
    CLIENT_PID=
    other=$(other_load_percent "$before" "$(cpu_mark "$server_pid")")
    if [[ $round != warmup ]]; then
        parse_wrk "$out" "${TARGET_STATUS[$key]-}" | awk -v prefix="$scenario"$'\t'"$target"$'\t'"$round" -v other="$other" \
            '{ print prefix "\t" $0 "\t" other }' >>"$WORK/samples.tsv"
    fi
}

# parse_wrk FILE [STATUS]: "req/s p50_ms p99_ms requests errors" (tab-separated) from wrk --latency
# output. errors = non-2xx/3xx answers + socket errors (connect, read, write, timeout); with
# STATUS (every answer must have it, checked by the target's script): the script's unexpected
# statuses + socket errors, and a run whose script printed no count is an error.
parse_wrk() {
    awk -v expected="${2-}" '
        function ms(v) {
            if (v ~ /us$/) return v / 1000
            if (v ~ /ms$/) return v + 0
            if (v ~ /[0-9]s$/) return v * 1000
            if (v ~ /m$/) return v * 60000
            return v + 0
        }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        / requests in / { requests = $1 }
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx or 3xx responses:/ { if (expected == "") errors += $NF }
        /^unexpected statuses:/ { unexpected = $3; counted = 1 }
        /Socket errors:/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
        END {
            if (rps == "") { print "wrk output has no Requests/sec line: " FILENAME > "/dev/stderr"; exit 1 }
            if (expected != "") errors += counted ? unexpected : requests
            printf "%s\t%.3f\t%.3f\t%d\t%d\n", rps, p50, p99, requests, errors
        }' "$1"
}
