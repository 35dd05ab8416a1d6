# Latency at a fixed moderate rate (issue 10), measured by portico_loadgen: open-loop requests
# at BENCH_LATENCY_RATE per second on BENCH_LATENCY_CONNECTIONS keep-alive connections, latency
# from each request's scheduled time (wrk2's way; wrk2 is not in Debian). Unlike the wrk
# scenarios, nothing runs at saturation here, so p99 is the server's own tail, not queueing.
#   GET /healthz: porticod with no plugins, with all plugins (porticod-all when lib/servers.sh
#   has it, else security + tracing), bare Poco, nginx with the same headers.
#   POST /v1/chat/completions proxied to the static upstream: porticod (openai) vs nginx.

if [[ ${BENCH_QUICK-0} == 1 ]]; then
    LATENCY_RATE=${BENCH_LATENCY_RATE:-200} LATENCY_SECONDS=${BENCH_LATENCY_SECONDS:-1}
else
    LATENCY_RATE=${BENCH_LATENCY_RATE:-1000} LATENCY_SECONDS=${BENCH_LATENCY_SECONDS:-$DURATION}
fi
LATENCY_CONNECTIONS=${BENCH_LATENCY_CONNECTIONS:-32}

scenario_latency() {
    need_loadgen latency || return 0
    local plugins=porticod-security-tracing server
    [[ -n ${SERVERS[porticod-all]-} ]] && plugins=porticod-all
    local -a targets=()
    local proxy=0
    [[ -f $STAGE/lib/portico/plugins/openai.so ]] && proxy=1
    # The proxies' configs (and porticod-all's openai section) name the upstream's port.
    ((proxy)) && need_server nginx-upstream
    for server in porticod-none "$plugins" bare-poco nginx-healthz; do
        need_server "$server"
        expect_answer "$server" GET /healthz '' '"status":"ok"'
        add_rate_target latency "healthz:$server" "$server" GET /healthz
        targets+=("healthz:$server")
    done
    if ((proxy)); then
        local body='{"model":"bench-model","messages":[{"role":"user","content":"Say hello."}]}'
        printf '%s' "$body" >"$WORK/latency-chat.json"
        for server in porticod-openai nginx-proxy; do
            need_server "$server"
            expect_answer "$server" POST /v1/chat/completions "$body" '"object": ?"chat.completion"' 'fixed completion'
            add_rate_target latency "chat:$server" "$server" POST /v1/chat/completions "$WORK/latency-chat.json"
            targets+=("chat:$server")
        done
    else
        skip_scenario latency "chat targets skipped: the openai plugin is not in the stage"
    fi

    run_rate_rounds latency "$LATENCY_RATE" "$LATENCY_SECONDS" "${targets[@]}"

    local label=${plugins#porticod-}
    compare latency "p99 $label - none, /healthz (ms)" delta p99 "healthz:$plugins" healthz:porticod-none '<=' 1
    compare latency 'p99 none - bare Poco, /healthz (ms)' delta p99 healthz:porticod-none healthz:bare-poco
    if ((proxy)); then
        compare latency 'p99 porticod - nginx proxy_pass, chat (ms)' delta p99 chat:porticod-openai chat:nginx-proxy '<=' 1
        compare latency 'p50 porticod - nginx proxy_pass, chat (ms)' delta p50 chat:porticod-openai chat:nginx-proxy
    fi
}
