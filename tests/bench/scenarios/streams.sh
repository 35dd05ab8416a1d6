# 2,000 concurrent SSE streams (issue 10): porticod with only the openai plugin, whose local
# backend (portico-echo) sends one token every BENCH_STREAM_DELAY_MS; the load generator opens
# BENCH_STREAMS streaming chat completions, holds them all for BENCH_STREAM_HOLD seconds and
# waits for each to finish with [DONE]. Meanwhile porticod's RSS, threads and descriptors are
# sampled from /proc. porticod runs its shipped [server] defaults: the local backend's streams
# are paced on the event loops and hold no thread. BENCH_STREAM_THREADS (and
# BENCH_STREAM_STACK_KIB) set server.threads (and thread_stack_kib) for a porticod from before
# the event-driven core (BENCH_STAGE), which served each connection on a thread of its own.

SERVERS["porticod-streams"]="start_porticod_streams"

if [[ ${BENCH_QUICK-0} == 1 ]]; then
    STREAMS_COUNT=${BENCH_STREAMS:-50} STREAMS_HOLD=${BENCH_STREAM_HOLD:-2}
else
    STREAMS_COUNT=${BENCH_STREAMS:-2000} STREAMS_HOLD=${BENCH_STREAM_HOLD:-20}
fi
STREAMS_DELAY_MS=${BENCH_STREAM_DELAY_MS:-500}
STREAMS_STACK_KIB=${BENCH_STREAM_STACK_KIB:-256}
STREAMS_CONNECT_RATE=${BENCH_STREAM_CONNECT_RATE:-1000}
STREAMS_THREADS=${BENCH_STREAM_THREADS:-}

# start_porticod_streams NAME: porticod for the streams, with its own [server] sizing.
start_porticod_streams() {
    local name=$1 dir=$WORK/$1 port
    mkdir -p "$dir"
    free_port
    port=$REPLY
    local sizing=''
    [[ -n $STREAMS_THREADS ]] && sizing=$'threads = '"$STREAMS_THREADS"$'\nthread_stack_kib = '"$STREAMS_STACK_KIB"
    cat >"$dir/portico.ini" <<INI
[server]
listen = 127.0.0.1:$port
drain_seconds = 1
$sizing

[plugins]
order = openai

[log]
access = off

[openai]
local.token_delay_ms = $STREAMS_DELAY_MS
INI
    launch "$name" "$SERVER_CPUS" "$STAGE/sbin/porticod" --config="$dir/portico.ini"
    wait_ready "$name" "$port" /healthz
}

# streams_body TOKENS: a streaming chat request whose answer is exactly TOKENS tokens (the echo
# model repeats the message, cut at max_tokens; each " wNNN" word is one token).
streams_body() {
    local tokens=$1 i words=''
    for ((i = 0; i < tokens + 16; i++)); do words+=" w$i"; done
    printf '{"model":"portico-echo","stream":true,"max_tokens":%d,"messages":[{"role":"user","content":"%s"}]}' \
        "$tokens" "${words# }"
}

scenario_streams() {
    local plugin=$STAGE/lib/portico/plugins/openai.so
    if [[ ! -f $plugin ]]; then
        skip_scenario streams "the openai plugin is not in the stage ($plugin)"
        return 0
    fi
    need_loadgen streams || return 0
    local limit
    limit=$(ulimit -n)
    if [[ $limit != unlimited ]] && ((limit < STREAMS_COUNT + 200)); then
        skip_scenario streams "$STREAMS_COUNT streams need ulimit -n >= $((STREAMS_COUNT + 200)) (have $limit; hard limit $(ulimit -Hn))"
        return 0
    fi
    need_server porticod-streams
    expect_answer porticod-streams POST /v1/chat/completions \
        '{"model":"portico-echo","messages":[{"role":"user","content":"ping"}]}' '"object": ?"chat.completion"' 'ping'

    # Every stream must outlast the opening ramp and the hold window: its answer takes
    # tokens x delay, so ask for enough tokens to cover the ramp (estimated: the connect schedule,
    # plus a second for a SYN retransmitted after a listen-queue overflow), the hold and a margin.
    # A stream that still ends early is counted (ended_early) and is not "held".
    local ramp=2 margin=5 tokens body=$WORK/streams-body.json out=$WORK/loadgen/streams.txt idle
    [[ ${BENCH_QUICK-0} == 1 ]] && margin=1
    [[ $STREAMS_CONNECT_RATE != 0 ]] && ramp=$((1 + STREAMS_COUNT / STREAMS_CONNECT_RATE))
    tokens=$(((ramp + STREAMS_HOLD + margin) * 1000 / STREAMS_DELAY_MS + 1))
    streams_body "$tokens" >"$body"
    mkdir -p "$WORK/loadgen"
    local pid=${SERVER_PID[porticod-streams]}
    idle=$(process_sample "$pid")
    note "streams: $STREAMS_COUNT streams of $tokens tokens every ${STREAMS_DELAY_MS} ms, held ${STREAMS_HOLD} s (porticod threads = ${STREAMS_THREADS:-default})"
    local peaks overflows
    overflows=$(listen_overflows)
    peaks=$(run_streams "$out" "$pid" --url="http://127.0.0.1:${SERVER_PORT[porticod-streams]}/v1/chat/completions" \
        --body-file="$body" --header=Content-Type:application/json --streams="$STREAMS_COUNT" \
        --hold="$STREAMS_HOLD" --connect-rate="$STREAMS_CONNECT_RATE" \
        --idle-timeout=$((STREAMS_DELAY_MS / 1000 + 30)) --drain-timeout=$((tokens * STREAMS_DELAY_MS / 1000 + 60)))
    overflows=$(($(listen_overflows) - overflows))
    record_streams streams porticod-streams "$out" "$idle" "$peaks" "${STREAMS_THREADS:-0}" "$([[ -n $STREAMS_THREADS ]] && echo "$STREAMS_STACK_KIB" || echo 0)" "$overflows"

    check_value streams "streams held (of $STREAMS_COUNT)" "$(stream_value streams porticod-streams held)" '>=' "$STREAMS_COUNT"
    check_value streams 'stream errors' "$(stream_value streams porticod-streams errors)" '<=' 0
    check_value streams 'porticod peak RSS, VmHWM (MiB)' "$(stream_value streams porticod-streams hwm_mib)" '<=' 1024
}
