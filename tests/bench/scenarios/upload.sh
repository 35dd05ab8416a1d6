# Uploads through a pass-through route (plugins/openai/passthrough), whose request bodies are
# streamed: POST /v1/uploads/file with a 256 KiB body (upload_post.lua), forwarded as it arrives
# to the fast static upstream (nginx, which reads the body and answers a fixed JSON). porticod
# with only the openai plugin and the route vs nginx proxy_pass with proxy_request_buffering off
# (the same nginx-proxy server as the proxy and passthrough scenarios: one worker per CPU, the
# five security headers, a request id, limit_req). The same CPU layout as the proxy scenario
# (scenarios/proxy.sh sets PROXY_CPUS when it is sourced).

scenario_upload() {
    SERVER_CPUS_FOR[porticod-passthrough]=$PROXY_CPUS
    local plugin=$STAGE/lib/portico/plugins/openai.so
    if [[ ! -f $plugin ]]; then
        skip_scenario upload "the openai plugin is not in the stage ($plugin)"
        return 0
    fi
    need_server nginx-upstream # before the proxies: their configs name its port
    local server
    for server in porticod-passthrough nginx-proxy; do
        need_server "$server"
        add_target upload "$server" "$server" /v1/uploads/file upload_post.lua
        expect_answer "$server" POST /v1/uploads/file 'a small upload' '"stored": ?true'
    done

    run_rounds upload porticod-passthrough nginx-proxy

    compare upload 'streamed upload 256 KiB: pass-through / nginx proxy_pass (req/s)' ratio rps porticod-passthrough nginx-proxy
    compare upload 'p99 pass-through - nginx proxy_pass (ms)' delta p99 porticod-passthrough nginx-proxy
}
