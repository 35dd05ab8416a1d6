# POST /v1/chat/completions (non-streaming) proxied to a fast static upstream (nginx answering a
# fixed chat.completion, on the client's CPU): porticod with only the openai plugin vs nginx
# proxy_pass to the same upstream. Needs the openai plugin in the stage; skipped without it.
scenario_proxy() {
    local plugin=$STAGE/lib/portico/plugins/openai.so
    if [[ ! -f $plugin ]]; then
        skip_scenario proxy "the openai plugin is not in the stage ($plugin)"
        return 0
    fi
    local body='{"model":"bench-model","messages":[{"role":"user","content":"Say hello."}]}'
    local server
    need_server nginx-upstream # before the proxies: their configs name its port
    for server in porticod-openai nginx-proxy; do
        need_server "$server"
        add_target proxy "$server" "$server" /v1/chat/completions chat_post.lua
        expect_answer "$server" POST /v1/chat/completions "$body" '"object": ?"chat.completion"' 'fixed completion'
    done

    run_rounds proxy porticod-openai nginx-proxy

    compare proxy 'porticod / nginx proxy_pass (req/s)' ratio rps porticod-openai nginx-proxy '>=' 0.5
    compare proxy 'p99 porticod - nginx proxy_pass (ms)' delta p99 porticod-openai nginx-proxy '<=' 1
}
