# 10,000 concurrent SSE streams from the local backend (the event-driven core issue, (b), first
# half): porticod with only the openai plugin and its shipped defaults (no server.threads, queue
# or stack settings), portico-echo sending one token every BENCH_STREAMS10K_DELAY_MS (50) ms;
# `portico_loadgen streams` opens BENCH_STREAMS10K streams of exactly BENCH_STREAMS10K_TOKENS
# (100) tokens at BENCH_STREAMS10K_CONNECT_RATE per second (5,000: all open within 2 s, each
# lasts 5 s, so all are open at once), and checks that each ends complete ([DONE]) and that its
# body, ids and timestamps normalised, is the same as a reference stream's (one stream alone
# first). Meanwhile porticod's threads, RSS and descriptors are sampled from /proc.

SERVERS["porticod-echo"]="start_porticod openai:echo"

if [[ ${BENCH_QUICK-0} == 1 ]]; then
    STREAMS10K_COUNT=${BENCH_STREAMS10K:-50}
else
    STREAMS10K_COUNT=${BENCH_STREAMS10K:-10000}
fi
STREAMS10K_TOKENS=${BENCH_STREAMS10K_TOKENS:-100}
STREAMS10K_DELAY_MS=${BENCH_STREAMS10K_DELAY_MS:-50}
STREAMS10K_CONNECT_RATE=${BENCH_STREAMS10K_CONNECT_RATE:-5000}

# streams_fd_check SCENARIO COUNT PER_STREAM: true when ulimit -n allows COUNT streams (PER_STREAM
# descriptors each in porticod); else skips SCENARIO and is false.
streams_fd_check() {
    local limit wanted=$(($2 * $3 + 200))
    limit=$(ulimit -n)
    [[ $limit == unlimited ]] || ((limit >= wanted)) && return 0
    skip_scenario "$1" "$2 streams need ulimit -n >= $wanted (have $limit; hard limit $(ulimit -Hn))"
    return 1
}

# run_stream_load SCENARIO TARGET SERVER COUNT CONNECT_RATE REFERENCE PIDS: the streams run and its
# line in streams.tsv; the /proc peaks of each PID in $WORK/loadgen/SCENARIO.peaks.
run_stream_load() {
    local scenario=$1 target=$2 server=$3 count=$4 rate=$5 reference=$6 pids=$7
    local out=$WORK/loadgen/$scenario.txt body=$WORK/$scenario-body.json idle overflows before other
    local -a pid_list
    read -ra pid_list <<<"$pids"
    local stream_s=$(((STREAMS10K_TOKENS * STREAMS10K_DELAY_MS + 999) / 1000))
    [[ ${BENCH_QUICK-0} == 1 ]] || wait_for_quiet
    idle=$(process_sample "${pid_list[0]}")
    overflows=$(listen_overflows)
    before=$(cpu_mark "${pid_list[@]}")
    note "$scenario: $count streams of $STREAMS10K_TOKENS tokens every ${STREAMS10K_DELAY_MS} ms (~${stream_s} s each) at ${rate}/s, porticod's default threads"
    run_sampled "$out" "$WORK/loadgen/$scenario.peaks" "$pids" "$LOADGEN" streams \
        --url="http://127.0.0.1:${SERVER_PORT[$server]}/v1/chat/completions" --body-file="$body" \
        --header=Content-Type:application/json --streams="$count" --hold=0 --connect-rate="$rate" \
        --establish-timeout=30 --idle-timeout=30 --drain-timeout=$((stream_s + 60)) \
        --expect-digest="$reference" --sample-body="$WORK/loadgen/$scenario.sample.txt"
    other=$(other_load_percent "$before" "$(cpu_mark "${pid_list[@]}")")
    overflows=$(($(listen_overflows) - overflows))
    record_streams "$scenario" "$target" "$out" "$idle" "$(head -n 1 "$WORK/loadgen/$scenario.peaks")" 0 0 "$overflows" "$other"
}

scenario_streams10k() {
    local plugin=$STAGE/lib/portico/plugins/openai.so
    if [[ ! -f $plugin ]]; then
        skip_scenario streams10k "the openai plugin is not in the stage ($plugin)"
        return 0
    fi
    need_loadgen streams10k || return 0
    streams_fd_check streams10k "$STREAMS10K_COUNT" 1 || return 0
    need_server porticod-echo
    mkdir -p "$WORK/loadgen"
    exact_tokens_body "$STREAMS10K_TOKENS" >"$WORK/streams10k-body.json"
    stream_reference porticod-echo "$WORK/streams10k-body.json" "$STREAMS10K_TOKENS" "$WORK/loadgen/streams10k.reference-body.txt"
    local reference=$REPLY
    run_stream_load streams10k porticod-echo porticod-echo "$STREAMS10K_COUNT" "$STREAMS10K_CONNECT_RATE" \
        "$reference" "${SERVER_PID[porticod-echo]}"

    local n=$STREAMS10K_COUNT v=stream_value
    check_value streams10k "streams completed (of $n)" "$($v streams10k porticod-echo completed)" '>=' "$n"
    check_value streams10k "streams open at once, peak (of $n)" "$($v streams10k porticod-echo open_peak)" '>=' "$n"
    check_value streams10k "bodies same as the reference stream's (of $n)" "$($v streams10k porticod-echo digest_matched)" '>=' "$n"
    check_value streams10k 'porticod peak threads' "$($v streams10k porticod-echo threads)" '<' 64
    check_value streams10k 'porticod peak RSS, VmHWM (MiB)' "$($v streams10k porticod-echo hwm_mib)" '<' 1024
}
