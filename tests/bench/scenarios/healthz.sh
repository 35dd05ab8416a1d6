# GET /healthz: what the chain costs on the cheapest route. porticod with no plugins, with
# security+tracing (seven headers added), with all plugins (the shipped chain; /healthz is exempt
# from auth and ratelimit as shipped, so those two only check their exemption lists), the bare
# Poco server (the ceiling for any Poco HTTPServer), and nginx answering the same body with the
# same five headers and a request id, behind limit_req.
scenario_healthz() {
    local -a security=(strict-transport-security x-content-type-options x-frame-options
        referrer-policy content-security-policy)
    local -a servers=(porticod-none porticod-security-tracing porticod-all bare-poco nginx-healthz)
    local server
    for server in "${servers[@]}"; do
        need_server "$server"
        add_target healthz "$server" "$server" /healthz
    done
    expect_answer porticod-none GET /healthz '' '"status":"ok"'
    expect_answer porticod-security-tracing GET /healthz '' "${security[@]}" 'x-trace-id: [0-9a-f]{32}' x-request-id
    expect_answer porticod-all GET /healthz '' '"status":"ok"' "${security[@]}" 'x-trace-id: [0-9a-f]{32}' x-request-id
    expect_answer bare-poco GET /healthz '' '"status":"ok"'
    expect_answer nginx-healthz GET /healthz '' "${security[@]}" 'x-request-id: [0-9a-f]{32}'

    run_rounds healthz "${servers[@]}"

    compare healthz 'security+tracing / none (req/s)' ratio rps porticod-security-tracing porticod-none '>=' 0.95
    compare healthz 'all plugins / none (req/s)' ratio rps porticod-all porticod-none '>=' 0.9
    compare healthz 'none / bare Poco (req/s)' ratio rps porticod-none bare-poco '>=' 0.9
    compare healthz 'security+tracing / nginx same headers (req/s)' ratio rps porticod-security-tracing nginx-healthz
}
