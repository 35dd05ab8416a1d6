# A pass-through route (plugins/openai/passthrough): POST /v1/dreams/report (the chat POST's
# body, chat_post.lua's method and body on another path) forwarded as it is to the fast static
# upstream, which answers its fixed JSON there too. porticod with only the openai plugin and
# the route vs nginx proxy_pass (the same server as the proxy scenario: one worker per CPU, the
# five security headers, a request id, limit_req) vs porticod's OpenAI proxy on
# /v1/chat/completions (which reads the request's model and the answer's usage). The same CPU
# layout as the proxy scenario (scenarios/proxy.sh, which sets PROXY_CPUS when it is sourced).

scenario_passthrough() {
    SERVER_CPUS_FOR[porticod-passthrough]=$PROXY_CPUS
    local plugin=$STAGE/lib/portico/plugins/openai.so
    if [[ ! -f $plugin ]]; then
        skip_scenario passthrough "the openai plugin is not in the stage ($plugin)"
        return 0
    fi
    local body='{"model":"bench-model","messages":[{"role":"user","content":"Say hello."}]}'
    need_server nginx-upstream # before the proxies: their configs name its port
    local server
    for server in porticod-passthrough nginx-proxy; do
        need_server "$server"
        add_target passthrough "$server" "$server" /v1/dreams/report chat_post.lua
        expect_answer "$server" POST /v1/dreams/report "$body" '"object": ?"chat.completion"' 'fixed completion'
    done
    need_server porticod-openai
    add_target passthrough porticod-openai porticod-openai /v1/chat/completions chat_post.lua
    # Nothing but the route is passed on: another path is porticod's 404.
    [[ $(http_request "${SERVER_PORT[porticod-passthrough]}" GET /v1/dreamsX) == HTTP/1.[01]' 404 '* ]] ||
        die "porticod-passthrough: GET /v1/dreamsX did not answer 404"

    run_rounds passthrough porticod-passthrough nginx-proxy porticod-openai

    compare passthrough 'pass-through / nginx proxy_pass (req/s)' ratio rps porticod-passthrough nginx-proxy
    compare passthrough 'p99 pass-through - nginx proxy_pass (ms)' delta p99 porticod-passthrough nginx-proxy
    compare passthrough 'pass-through / OpenAI proxy (req/s)' ratio rps porticod-passthrough porticod-openai
}
