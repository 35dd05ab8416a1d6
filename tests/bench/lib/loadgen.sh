# Load generation with portico_loadgen (loadgen/): fixed-rate latency rounds and held streams,
# plus sampling a server's memory and threads from /proc. Samples go to
#   $WORK/latency.tsv: scenario, target, round, target rate, achieved req/s, p50, p90, p99, p99.9,
#                      max (ms), requests, errors, other load %, send lag p99 ms, connections
#   $WORK/streams.tsv: one line per streams run (see record_streams)
#   $WORK/hold.tsv:    one line per hold run (see record_hold)
# and are summarised by lib/report.sh.

LOADGEN=${BENCH_LOADGEN:-$BUILD/tests/bench/portico_loadgen}

# need_loadgen SCENARIO: true when the load generator is built; else skips SCENARIO and is false.
need_loadgen() {
    [[ -x $LOADGEN ]] && return 0
    skip_scenario "$1" "$LOADGEN is missing: cmake --build $BUILD --target portico_loadgen"
    return 1
}

# add_rate_target SCENARIO TARGET SERVER METHOD PATH [BODY_FILE]: what the load generator sends
# for TARGET (a body is sent as JSON; BODY_FILE is an absolute path), with the server's
# SERVER_HEADERS (lib/servers.sh) on every request.
declare -A RATE_URL=() RATE_METHOD=() RATE_BODY=() RATE_SERVER=()
add_rate_target() {
    local key=$1/$2
    RATE_URL[$key]="http://127.0.0.1:${SERVER_PORT[$3]}$5"
    RATE_METHOD[$key]=$4
    RATE_BODY[$key]=${6-}
    RATE_SERVER[$key]=$3
}

# run_rate_rounds SCENARIO RATE SECONDS TARGET...: like run_rounds (lib/wrk.sh) with the load
# generator at a fixed RATE: a warm-up per target, then ROUNDS rounds, order rotated each round.
run_rate_rounds() {
    local scenario=$1 rate=$2 seconds=$3 round i target
    shift 3
    local -a targets=("$@")
    if ((WARMUP > 0)); then
        for target in "${targets[@]}"; do run_rate "$scenario" "$target" warmup "$rate" "$WARMUP"; done
    fi
    for ((round = 1; round <= ROUNDS; round++)); do
        note "$scenario: round $round/$ROUNDS"
        ((ROUNDS == 1)) || wait_for_quiet
        for ((i = 0; i < ${#targets[@]}; i++)); do
            target=${targets[(i + round - 1) % ${#targets[@]}]}
            run_rate "$scenario" "$target" "$round" "$rate" "$seconds"
        done
    done
}

# run_rate SCENARIO TARGET ROUND RATE SECONDS: one load generator run pinned to the client CPUs.
run_rate() {
    local scenario=$1 target=$2 round=$3 key=$1/$2 out before other
    out=$WORK/loadgen/$scenario.${target//[^A-Za-z0-9_.-]/_}.$round.txt
    [[ -n ${RATE_URL[$key]-} ]] || die "no rate target '$target' in scenario '$scenario' (add_rate_target first)"
    local -a cmd=("$LOADGEN" rate --rate="$4" --duration="$5" --connections="$LATENCY_CONNECTIONS"
        --url="${RATE_URL[$key]}" --method="${RATE_METHOD[$key]}")
    [[ -n ${RATE_BODY[$key]} ]] && cmd+=(--body-file="${RATE_BODY[$key]}" --header='Content-Type: application/json')
    local header
    while IFS= read -r header; do
        [[ -n $header ]] && cmd+=(--header="$header")
    done <<<"${SERVER_HEADERS[${RATE_SERVER[$key]}]-}"
    [[ -n $CLIENT_CPUS ]] && cmd=(taskset -c "$CLIENT_CPUS" "${cmd[@]}")
    mkdir -p "$WORK/loadgen"
    local server_pid=${SERVER_PID[${RATE_SERVER[$key]}]}
    before=$(cpu_mark "$server_pid")
    "${cmd[@]}" >"$out" 2>&1 &
    CLIENT_PID=$!
    wait "$CLIENT_PID" || die "portico_loadgen failed against $target ($scenario):"$'\n'"$(cat "$out")"
    CLIENT_PID=
    other=$(other_load_percent "$before" "$(cpu_mark "$server_pid")")
    [[ $round == warmup ]] && return 0
    record_rate "$scenario" "$target" "$round" "$out" "$other"
}

# record_rate SCENARIO TARGET ROUND LOADGEN_OUT OTHER_LOAD: one line of $WORK/latency.tsv from a
# `portico_loadgen rate` result line (its errors: non-2xx, socket errors and timeouts).
record_rate() {
    local scenario=$1 target=$2 round=$3 out=$4 other=$5
    awk -v prefix="$scenario"$'\t'"$target"$'\t'"$round" -v other="$other" '
        $1 == "rate" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%d\n", prefix, v["target_rps"], v["achieved_rps"],
                v["p50_ms"], v["p90_ms"], v["p99_ms"], v["p999_ms"], v["max_ms"], v["scheduled"],
                v["non2xx"] + v["socket_errors"] + v["timeouts"], other, v["send_lag_p99_ms"], v["connections"]; found = 1 }
        END { if (!found) { print "no result line in " FILENAME > "/dev/stderr"; exit 1 } }' "$out" >>"$WORK/latency.tsv" ||
        die "portico_loadgen printed no result against $target ($scenario): $out"
}

# process_sample PID: "rss_kib hwm_kib threads fds" of a running process (zeros once it is gone).
process_sample() {
    local status=/proc/$1/status fds
    [[ -r $status ]] || { echo 0 0 0 0; return 0; }
    fds=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    awk -v fds="$fds" '/^VmRSS:/ { rss = $2 } /^VmHWM:/ { hwm = $2 } /^Threads:/ { t = $2 }
        END { print rss + 0, hwm + 0, t + 0, fds }' "$status"
}

# listen_overflows: the kernel's count of connections dropped because a listen queue was full
# (TcpExt ListenOverflows, all sockets of the machine).
listen_overflows() {
    awk '$1 == "TcpExt:" { if (!names) { for (i = 2; i <= NF; i++) name[i] = $i; names = 1; next }
        for (i = 2; i <= NF; i++) if (name[i] == "ListenOverflows") print $i }' /proc/net/netstat 2>/dev/null || echo 0
}

# run_streams OUT SERVER_PID LOADGEN_ARGS...: runs `portico_loadgen streams` (client CPUs), samples
# the server every 0.5 s while it runs, and prints "peak_rss_kib hwm_kib peak_threads peak_fds".
# The load generator's own output goes to OUT.
run_streams() {
    local out=$1 pid=$2 rss=0 hwm=0 threads=0 fds=0 sample
    shift 2
    local -a cmd=("$LOADGEN" streams "$@")
    [[ -n $CLIENT_CPUS ]] && cmd=(taskset -c "$CLIENT_CPUS" "${cmd[@]}")
    "${cmd[@]}" >"$out" 2>&1 &
    CLIENT_PID=$!
    while kill -0 "$CLIENT_PID" 2>/dev/null; do
        read -r -a sample <<<"$(process_sample "$pid")"
        ((sample[0] > rss)) && rss=${sample[0]}
        ((sample[1] > hwm)) && hwm=${sample[1]}
        ((sample[2] > threads)) && threads=${sample[2]}
        ((sample[3] > fds)) && fds=${sample[3]}
        sleep 0.5
    done
    wait "$CLIENT_PID" || die "portico_loadgen streams failed:"$'\n'"$(cat "$out")"
    CLIENT_PID=
    echo "$rss $hwm $threads $fds"
}

# run_sampled OUT PEAKS PIDS COMMAND...: runs COMMAND (a load generator run, pinned to the client
# CPUs) in the background with its output in OUT, samples every process of PIDS (a
# space-separated list) every 0.5 s while it runs, and writes to PEAKS one line per PID, in
# order: "peak_rss_kib hwm_kib peak_threads peak_fds". Not in a $( ) subshell, so that
# CLIENT_PID is the trap's to stop.
run_sampled() {
    local out=$1 peaks=$2 i
    local -a pids sample rss=() hwm=() threads=() fds=()
    read -ra pids <<<"$3"
    shift 3
    local -a cmd=("$@")
    for i in "${!pids[@]}"; do rss[i]=0 hwm[i]=0 threads[i]=0 fds[i]=0; done
    [[ -n $CLIENT_CPUS ]] && cmd=(taskset -c "$CLIENT_CPUS" "${cmd[@]}")
    "${cmd[@]}" >"$out" 2>&1 &
    CLIENT_PID=$!
    while kill -0 "$CLIENT_PID" 2>/dev/null; do
        for i in "${!pids[@]}"; do
            read -r -a sample <<<"$(process_sample "${pids[i]}")"
            ((sample[0] > rss[i])) && rss[i]=${sample[0]}
            ((sample[1] > hwm[i])) && hwm[i]=${sample[1]}
            ((sample[2] > threads[i])) && threads[i]=${sample[2]}
            ((sample[3] > fds[i])) && fds[i]=${sample[3]}
        done
        sleep 0.5
    done
    wait "$CLIENT_PID" || die "portico_loadgen failed ($*):"$'\n'"$(cat "$out")"
    CLIENT_PID=
    for i in "${!pids[@]}"; do echo "${rss[i]} ${hwm[i]} ${threads[i]} ${fds[i]}"; done >"$peaks"
}

# exact_tokens_body TOKENS: a streaming chat request that portico-echo answers with exactly TOKENS
# tokens and finish_reason "stop": the message is TOKENS words "w0 w1 ..." (each one token of
# portico's tokenizer, " wNNN" with its space), echoed whole; max_tokens = TOKENS as well.
exact_tokens_body() {
    local tokens=$1 i words=''
    for ((i = 0; i < tokens; i++)); do words+=" w$i"; done
    printf '{"model":"portico-echo","stream":true,"max_tokens":%d,"messages":[{"role":"user","content":"%s"}]}' \
        "$tokens" "${words# }"
}

# stream_reference SERVER BODY_FILE TOKENS SAMPLE_FILE: one stream of BODY_FILE straight at
# SERVER, alone; sets REPLY to its normalised body digest (loadgen/BodyDigest.h) and writes its
# normalised body to SAMPLE_FILE. Stops the bench when it does not complete or does not carry
# exactly TOKENS content deltas: the runs compared with it would mean nothing.
stream_reference() {
    local server=$1 body=$2 tokens=$3 sample=$4 out=$WORK/loadgen/$1.reference.txt deltas
    mkdir -p "$WORK/loadgen"
    "$LOADGEN" streams --url="http://127.0.0.1:${SERVER_PORT[$server]}/v1/chat/completions" --body-file="$body" \
        --header=Content-Type:application/json --streams=1 --hold=0 --establish-timeout=30 --idle-timeout=30 \
        --drain-timeout=120 --sample-body="$sample" >"$out" 2>&1 || die "portico_loadgen failed:"$'\n'"$(cat "$out")"
    grep -q '^streams .*completed=1 ' "$out" || die "$server: the reference stream did not complete:"$'\n'"$(cat "$out")"
    deltas=$(grep -c '"delta":{"content":"' "$sample" || true)
    ((deltas == tokens)) || die "$server: the reference stream has $deltas content deltas, not $tokens (see $sample)"
    REPLY=$(sed -n 's/^streams .* digest=\([0-9a-f]\{16\}\) .*/\1/p' "$out")
    [[ -n $REPLY ]] || die "$server: no digest in the reference stream's result:"$'\n'"$(cat "$out")"
}
