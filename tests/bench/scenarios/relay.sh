# 5,000 concurrent SSE streams relayed by porticod from an upstream porticod (the event-driven
# core issue, (b), second half): porticod-relay (only the openai plugin, every model proxied with
# upstream.url to porticod-relay-upstream) in front of porticod-relay-upstream (portico-echo,
# local.token_delay_ms as streams10k's), both with porticod's shipped defaults. First one stream
# straight at the upstream (the reference), then BENCH_RELAY_STREAMS streams through the relay:
# each must end complete with a body, ids and timestamps normalised, byte-identical to the
# direct one. The relay is sampled (table) and so is the upstream (checks). The upstream runs on
# the client CPUs, as the proxy scenario's static upstream does, so the server CPU is the relay's.

SERVERS["porticod-relay-upstream"]="start_porticod openai:echo"
SERVERS["porticod-relay"]="start_porticod openai:relay"
SERVER_CPUS_FOR[porticod-relay-upstream]=$CLIENT_CPUS

if [[ ${BENCH_QUICK-0} == 1 ]]; then
    RELAY_COUNT=${BENCH_RELAY_STREAMS:-50}
else
    RELAY_COUNT=${BENCH_RELAY_STREAMS:-5000}
fi
RELAY_CONNECT_RATE=${BENCH_RELAY_CONNECT_RATE:-5000}

scenario_relay() {
    local plugin=$STAGE/lib/portico/plugins/openai.so
    if [[ ! -f $plugin ]]; then
        skip_scenario relay "the openai plugin is not in the stage ($plugin)"
        return 0
    fi
    need_loadgen relay || return 0
    # The relay holds two sockets per stream (client, upstream).
    streams_fd_check relay "$RELAY_COUNT" 2 || return 0
    need_server porticod-relay-upstream # before the relay: its config names the upstream's port
    need_server porticod-relay
    mkdir -p "$WORK/loadgen"
    exact_tokens_body "$STREAMS10K_TOKENS" >"$WORK/relay-body.json"
    expect_answer porticod-relay POST /v1/chat/completions \
        '{"model":"portico-echo","messages":[{"role":"user","content":"ping"}]}' '"object": ?"chat.completion"' 'ping'
    # The reference: one stream straight at the upstream.
    stream_reference porticod-relay-upstream "$WORK/relay-body.json" "$STREAMS10K_TOKENS" "$WORK/loadgen/relay.direct-body.txt"
    local reference=$REPLY
    run_stream_load relay porticod-relay porticod-relay "$RELAY_COUNT" "$RELAY_CONNECT_RATE" "$reference" \
        "${SERVER_PID[porticod-relay]} ${SERVER_PID[porticod-relay-upstream]}"
    if [[ -s $WORK/loadgen/relay.sample.txt ]] && ! cmp -s "$WORK/loadgen/relay.direct-body.txt" "$WORK/loadgen/relay.sample.txt"; then
        note "relay: a relayed body differs from the direct one (normalised; first differing lines):"
        diff "$WORK/loadgen/relay.direct-body.txt" "$WORK/loadgen/relay.sample.txt" | head -n 6 >&2 || true
    fi

    local n=$RELAY_COUNT v=stream_value upstream
    read -ra upstream <<<"$(sed -n 2p "$WORK/loadgen/relay.peaks")"
    check_value relay "relayed streams completed (of $n)" "$($v relay porticod-relay completed)" '>=' "$n"
    check_value relay "relayed streams open at once, peak (of $n)" "$($v relay porticod-relay open_peak)" '>=' "$n"
    check_value relay "relayed bodies same as the direct one (of $n)" "$($v relay porticod-relay digest_matched)" '>=' "$n"
    check_value relay 'relay porticod peak threads' "$($v relay porticod-relay threads)" '<' 64
    check_value relay 'relay porticod peak RSS, VmHWM (MiB)' "$($v relay porticod-relay hwm_mib)" '<' 1024
    check_value relay 'upstream porticod peak threads' "${upstream[2]:-nan}" '<' 64
    check_value relay 'upstream porticod peak RSS, VmHWM (MiB)' \
        "$(awk -v k="${upstream[1]:-}" 'BEGIN { print (k == "" ? "nan" : sprintf("%.1f", k / 1024)) }')" '<' 1024
}
