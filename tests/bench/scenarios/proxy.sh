# POST /v1/chat/completions (non-streaming) proxied to a fast static upstream (nginx answering a
# fixed chat.completion, on the client's CPU): porticod with only the openai plugin vs nginx
# proxy_pass (with the five security headers, a request id and limit_req) vs the Portkey AI
# gateway, all three to the same upstream. Needs the openai plugin in the stage; skipped without
# it. Portkey needs node and, once, npm ci in tests/bench/portkey; without them it is skipped
# (said in the table and the JSON) and the rest still runs.
scenario_proxy() {
    local plugin=$STAGE/lib/portico/plugins/openai.so
    if [[ ! -f $plugin ]]; then
        skip_scenario proxy "the openai plugin is not in the stage ($plugin)"
        return 0
    fi
    local body='{"model":"bench-model","messages":[{"role":"user","content":"Say hello."}]}'
    local -a security=(strict-transport-security x-content-type-options x-frame-options
        referrer-policy content-security-policy)
    local -a servers=(porticod-openai nginx-proxy)
    local server
    if portkey_available; then
        servers+=(portkey)
    else
        skip_scenario proxy "Portkey not measured: $REPLY"
    fi
    need_server nginx-upstream # before the proxies: their configs (Portkey: its headers) name its port
    for server in "${servers[@]}"; do
        need_server "$server"
        add_target proxy "$server" "$server" /v1/chat/completions chat_post.lua
        expect_answer "$server" POST /v1/chat/completions "$body" '"object": ?"chat.completion"' 'fixed completion'
    done
    expect_answer nginx-proxy POST /v1/chat/completions "$body" "${security[@]}" 'x-request-id: [0-9a-f]{32}'

    run_rounds proxy "${servers[@]}"

    compare proxy 'porticod / nginx proxy_pass (req/s)' ratio rps porticod-openai nginx-proxy '>=' 0.5
    compare proxy 'p99 porticod - nginx proxy_pass (ms)' delta p99 porticod-openai nginx-proxy '<=' 1
    if [[ ${servers[*]} == *portkey* ]]; then
        compare proxy 'porticod / Portkey (req/s)' ratio rps porticod-openai portkey '>=' 20
    fi
}
