# The OpenTelemetry plugin (plugins/otel), its issue's two "Done when" figures:
#  - throughput: POST /v1/chat/completions on the local model (portico-echo, non-streaming,
#    chat_echo.lua) through `tracing, metrics, openai` (porticod-otel-off) and through the same
#    chain with `otel` after tracing, exporting every span to a collector that takes them
#    (porticod-otel-on -> otel-sink, an nginx answering 200 on the client CPU), wrk at
#    saturation, interleaved in rounds (at least 9): on / off >= 0.95 (req/s, paired per round);
#  - latency when the collector is down or slow: the same requests at a fixed rate
#    (portico_loadgen rate, the latency scenario's BENCH_LATENCY_RATE and _SECONDS) through
#    porticod-otel-off, porticod-otel-refused (the collector's port refuses connections) and
#    porticod-otel-slow (otel-slow answers each export after 10 s: otel_slow_collector.py; the
#    plugin's export_timeout_ms is its default 10 s), interleaved in rounds: p99 ratios against
#    off (target <= 1.05), the dropped-span counters from each /metrics, and each porticod's
#    VmHWM (memory stays bounded: the queue holds max_queue_size spans at most).
# Skipped without otel.so or openai.so; the paced half without portico_loadgen; the slow
# collector without python3.

SERVERS["porticod-otel-off"]="start_porticod tracing metrics openai"
SERVERS["porticod-otel-on"]="start_porticod tracing otel:sink metrics openai"
SERVERS["porticod-otel-refused"]="start_porticod tracing otel:refused metrics openai"
SERVERS["porticod-otel-slow"]="start_porticod tracing otel:slow metrics openai"
# The collectors share the client's CPU, as nginx-upstream does: the server CPU measures porticod.
SERVERS["otel-sink"]="start_nginx nginx_http_otel_sink /v1/traces client"
SERVERS["otel-slow"]="start_otel_slow"

OTEL_BODY='{"model":"portico-echo","max_tokens":16,"messages":[{"role":"user","content":"Say hello."}]}'

scenario_otel() {
    local plugins=$STAGE/lib/portico/plugins
    if [[ ! -f $plugins/otel.so || ! -f $plugins/openai.so ]]; then
        skip_scenario otel "otel.so or openai.so is not in the stage ($plugins)"
        return 0
    fi
    need_server otel-sink # before porticod-otel-on: its config names the sink's port
    local server
    for server in porticod-otel-off porticod-otel-on; do
        need_server "$server"
        expect_answer "$server" POST /v1/chat/completions "$OTEL_BODY" '"object": ?"chat.completion"' '"usage"'
        add_target otel "thru:$server" "$server" /v1/chat/completions chat_echo.lua
    done
    # The difference measured is a few per cent, and one round's noise on a shared machine as
    # much: at least 9 rounds for this median (quick runs keep theirs).
    local rounds=$ROUNDS
    ((rounds >= 5 && rounds < 9)) && rounds=9
    ROUNDS=$rounds run_rounds otel thru:porticod-otel-on thru:porticod-otel-off
    compare otel 'otel exporting / off, chat (req/s)' ratio rps thru:porticod-otel-on thru:porticod-otel-off '>=' 0.95
    otel_counters porticod-otel-on 'exporting'
    require_value otel 'spans exported, exporting' "$(otel_metric porticod-otel-on portico_otel_spans_exported_total)" '>' 0

    need_loadgen otel || return 0
    printf '%s' "$OTEL_BODY" >"$WORK/otel-chat.json"
    free_port
    OTEL_REFUSED_PORT=$REPLY
    local -a targets=(paced:porticod-otel-off paced:porticod-otel-refused)
    need_server porticod-otel-refused
    if command -v python3 >/dev/null; then
        need_server otel-slow
        need_server porticod-otel-slow
        targets+=(paced:porticod-otel-slow)
    else
        skip_scenario otel "the slow collector is not measured: python3 is not installed"
    fi
    for target in "${targets[@]}"; do
        server=${target#paced:}
        expect_answer "$server" POST /v1/chat/completions "$OTEL_BODY" '"object": ?"chat.completion"'
        add_rate_target otel "$target" "$server" POST /v1/chat/completions "$WORK/otel-chat.json"
    done
    run_rate_rounds otel "$LATENCY_RATE" "$LATENCY_SECONDS" "${targets[@]}"

    # The last spans wait for the exporter's next batch (schedule_delay_ms, 5 s): counted once it ran.
    otel_settle porticod-otel-refused 8
    compare otel 'p99 collector refusing / off, paced chat' ratio p99 paced:porticod-otel-refused paced:porticod-otel-off '<=' 1.05
    compare otel 'p50 collector refusing / off, paced chat' ratio p50 paced:porticod-otel-refused paced:porticod-otel-off
    otel_counters porticod-otel-refused 'collector refusing'
    require_value otel 'spans dropped (export_failed), collector refusing' \
        "$(otel_metric porticod-otel-refused 'portico_otel_spans_dropped_total{reason="export_failed"}')" '>' 0
    if [[ -n ${SERVER_PORT[porticod-otel-slow]-} ]]; then
        # Its first export gives up after export_timeout_ms (10 s); meanwhile the queue fills and
        # drops. Quick mode does not wait for it.
        [[ ${BENCH_QUICK-0} == 1 ]] || otel_settle porticod-otel-slow 20
        compare otel 'p99 collector 10 s slow / off, paced chat' ratio p99 paced:porticod-otel-slow paced:porticod-otel-off '<=' 1.05
        compare otel 'p50 collector 10 s slow / off, paced chat' ratio p50 paced:porticod-otel-slow paced:porticod-otel-off
        otel_counters porticod-otel-slow 'collector 10 s slow'
    fi
    for server in porticod-otel-off porticod-otel-refused porticod-otel-slow; do
        [[ -n ${SERVER_PID[$server]-} ]] || continue
        local sample
        read -r -a sample <<<"$(process_sample "${SERVER_PID[$server]}")"
        check_value otel "VmHWM MiB, ${server#porticod-}" "$((sample[1] / 1024))" - ''
    done
}

# otel_metric SERVER SERIES: the value of SERIES in SERVER's /metrics ("nan" when absent).
otel_metric() {
    # awk reads to the end: stopping early would cost http_request a SIGPIPE (and pipefail the run).
    http_request "${SERVER_PORT[$1]}" GET /metrics | awk -v series="$2" '
        !found && index($0, series " ") == 1 { value = $2; found = 1 } END { print found ? value : "nan" }'
}

# otel_settle SERVER SECONDS: waits (at most SECONDS) until SERVER's exporter has tried an
# export and has nothing queued, so that its counters hold every span of the runs.
otel_settle() {
    local i tried queued
    for ((i = 0; i < $2 * 5; i++)); do
        tried=$(http_request "${SERVER_PORT[$1]}" GET /metrics | awk '
            index($0, "portico_otel_exports_total{") == 1 { n += $2 } END { print n + 0 }')
        queued=$(otel_metric "$1" portico_otel_queue_spans)
        [[ $tried != 0 && $queued == 0 ]] && return 0
        sleep 0.2
    done
    note "otel: $1 still had spans queued after $2 s"
}

# otel_counters SERVER LABEL: the span counters of SERVER into the table (no targets).
otel_counters() {
    local reason
    check_value otel "spans exported, $2" "$(otel_metric "$1" portico_otel_spans_exported_total)" - ''
    for reason in queue_full export_failed; do
        check_value otel "spans dropped ($reason), $2" \
            "$(otel_metric "$1" "portico_otel_spans_dropped_total{reason=\"$reason\"}")" - ''
    done
}

# otel: VARIANT sink (the otel-sink nginx), refused (OTEL_REFUSED_PORT: nothing listens there),
# slow (otel-slow). Everything else at the plugin's defaults (schedule_delay_ms 5000,
# max_export_batch_size 512, max_queue_size 2048, export_timeout_ms 10000, protobuf).
porticod_section_otel() {
    local port
    case $3 in
    sink) port=${SERVER_PORT[otel-sink]-} ;;
    refused) port=${OTEL_REFUSED_PORT-} ;;
    slow) port=${SERVER_PORT[otel-slow]-} ;;
    esac
    [[ -n $port ]] || die "$1 needs its collector's port ($3) first"
    printf '\n[otel]\nendpoint = http://127.0.0.1:%s\n' "$port"
}

# nginx_http_otel_sink PORT: an OTLP/HTTP collector that takes everything (200, empty body).
nginx_http_otel_sink() {
    cat <<CONF
    server {
        listen 127.0.0.1:$1;
        client_max_body_size 64m;
        location = /v1/traces {
            return 200 '';
        }
    }
CONF
}

# start_otel_slow NAME: otel_slow_collector.py (answers each POST after 10 s) on the client CPUs.
start_otel_slow() {
    free_port
    launch "$1" "$CLIENT_CPUS" python3 "$BENCH_DIR/otel_slow_collector.py" "$REPLY" 10
    wait_ready "$1" "$REPLY" /v1/traces
}
