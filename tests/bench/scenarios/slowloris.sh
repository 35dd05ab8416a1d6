# Slowloris and idle keep-alive connections held open while fresh requests are timed (the
# event-driven core issue, (a)): `portico_loadgen hold` opens BENCH_HOLD_SLOW slowloris
# connections (a request head line a second, never finished) and BENCH_HOLD_IDLE keep-alive
# connections (one GET /healthz answered each, then idle, as an SDK's pool keeps them), then,
# with all of them held, BENCH_HOLD_FRESH GET /healthz on new connections, 20 every second, each
# timed from its connect to its whole answer. Meanwhile porticod's threads, RSS (VmRSS, VmHWM)
# and descriptors are sampled from /proc. porticod runs with its shipped [server] defaults
# (threads, queue, header_timeout_seconds = 10, idle_timeout_seconds = 60) and tracing +
# security (so the 408 carries the usual headers); nothing about threads, queue or stacks is set.

SERVERS["porticod-hold"]="start_porticod tracing security"

if [[ ${BENCH_QUICK-0} == 1 ]]; then
    HOLD_IDLE=${BENCH_HOLD_IDLE:-50} HOLD_SLOW=${BENCH_HOLD_SLOW:-20} HOLD_FRESH=${BENCH_HOLD_FRESH:-10}
else
    HOLD_IDLE=${BENCH_HOLD_IDLE:-10000} HOLD_SLOW=${BENCH_HOLD_SLOW:-1000} HOLD_FRESH=${BENCH_HOLD_FRESH:-200}
fi
HOLD_CONNECT_RATE=${BENCH_HOLD_CONNECT_RATE:-2000}
# The head deadline the checks expect: porticod's default server.header_timeout_seconds (10).
# Setting BENCH_HOLD_HEADER_TIMEOUT writes it into porticod's config as well (a shorter run).
HOLD_HEADER_TIMEOUT=${BENCH_HOLD_HEADER_TIMEOUT:-10}
[[ -n ${BENCH_HOLD_HEADER_TIMEOUT-} ]] &&
    PORTICOD_SERVER_LINES[porticod-hold]="header_timeout_seconds = $BENCH_HOLD_HEADER_TIMEOUT"$'\n'
# From the first fresh request to the end: past the deadline of every first slow connection.
if [[ ${BENCH_QUICK-0} == 1 ]]; then
    HOLD_SECONDS=${BENCH_HOLD_SECONDS:-$((HOLD_HEADER_TIMEOUT + 2))}
else
    HOLD_SECONDS=${BENCH_HOLD_SECONDS:-$((HOLD_HEADER_TIMEOUT + 5))}
fi
HOLD_FRESH_TIMEOUT=${BENCH_HOLD_FRESH_TIMEOUT:-60}

scenario_slowloris() {
    need_loadgen slowloris || return 0
    local limit wanted=$((HOLD_IDLE + HOLD_SLOW + HOLD_FRESH + 200))
    limit=$(ulimit -n)
    if [[ $limit != unlimited ]] && ((limit < wanted)); then
        skip_scenario slowloris "$HOLD_IDLE + $HOLD_SLOW connections need ulimit -n >= $wanted (have $limit; hard limit $(ulimit -Hn))"
        return 0
    fi
    need_server porticod-hold
    expect_answer porticod-hold GET /healthz '' '"status":"ok"' 'x-trace-id: [0-9a-f]{32}'

    local pid=${SERVER_PID[porticod-hold]} out=$WORK/loadgen/slowloris.txt idle overflows peak before other
    mkdir -p "$WORK/loadgen"
    [[ ${BENCH_QUICK-0} == 1 ]] || wait_for_quiet
    idle=$(process_sample "$pid")
    overflows=$(listen_overflows)
    before=$(cpu_mark "$pid")
    note "slowloris: $HOLD_SLOW slow + $HOLD_IDLE idle keep-alive connections at ${HOLD_CONNECT_RATE}/s, then $HOLD_FRESH fresh GET /healthz (20 a second), held ${HOLD_SECONDS} s (porticod's default threads; head deadline ${HOLD_HEADER_TIMEOUT} s)"
    run_sampled "$out" "$WORK/loadgen/slowloris.peaks" "$pid" "$LOADGEN" hold \
        --url="http://127.0.0.1:${SERVER_PORT[porticod-hold]}/healthz" --idle="$HOLD_IDLE" --slow="$HOLD_SLOW" \
        --fresh="$HOLD_FRESH" --connect-rate="$HOLD_CONNECT_RATE" --slow-interval=1 --fresh-batch=20 \
        --fresh-interval=1 --fresh-timeout="$HOLD_FRESH_TIMEOUT" --establish-timeout=30 --hold="$HOLD_SECONDS"
    other=$(other_load_percent "$before" "$(cpu_mark "$pid")")
    overflows=$(($(listen_overflows) - overflows))
    peak=$(head -n 1 "$WORK/loadgen/slowloris.peaks")
    record_hold slowloris porticod-hold "$out" "$idle" "$peak" "$overflows" "$other"

    local v=hold_value
    check_value slowloris "idle keep-alive connections held (of $HOLD_IDLE)" "$($v slowloris porticod-hold idle_held)" '>=' "$HOLD_IDLE"
    check_value slowloris "slowloris connections held (of $HOLD_SLOW)" "$($v slowloris porticod-hold slow_held)" '>=' "$HOLD_SLOW"
    check_value slowloris "fresh /healthz answered 200 (of $HOLD_FRESH)" "$($v slowloris porticod-hold fresh_ok)" '>=' "$HOLD_FRESH"
    check_value slowloris 'fresh /healthz p99, connect to answer (ms)' "$($v slowloris porticod-hold fresh_p99_ms)" '<' 50
    check_value slowloris 'porticod peak threads' "$($v slowloris porticod-hold threads)" '<' 64
    check_value slowloris 'porticod peak RSS, VmHWM (MiB)' "$($v slowloris porticod-hold hwm_mib)" '<' 512
    check_value slowloris "slow clients answered 408 (first conn., of $HOLD_SLOW)" "$($v slowloris porticod-hold slow_first_408)" '>=' "$HOLD_SLOW"
    check_value slowloris 'slow close after connect, earliest (s)' "$($v slowloris porticod-hold slow_close_min_s)" '>=' "$(awk -v t="$HOLD_HEADER_TIMEOUT" 'BEGIN { print t - 0.1 }')"
    check_value slowloris 'slow close after connect, median (s)' "$($v slowloris porticod-hold slow_close_p50_s)" - -
    check_value slowloris 'slow close after connect, latest (s)' "$($v slowloris porticod-hold slow_close_max_s)" '<=' $((HOLD_HEADER_TIMEOUT + 2))
}
