# GET /v1/models: a real API route through the whole chain. porticod with all plugins (the
# shipped chain, auth with a real key that wrk sends, ratelimit deciding on every request and
# adding its x-ratelimit-* headers, idempotency and redaction on) vs porticod with only the
# openai plugin, the bare Poco server answering the same bytes (models_list.json), and nginx
# answering them with the same five headers and a request id, behind limit_req. Needs the
# openai plugin in the stage; skipped without it.
scenario_models() {
    local plugin=$STAGE/lib/portico/plugins/openai.so
    if [[ ! -f $plugin ]]; then
        skip_scenario models "the openai plugin is not in the stage ($plugin)"
        return 0
    fi
    local -a security=(strict-transport-security x-content-type-options x-frame-options
        referrer-policy content-security-policy)
    local list=$BENCH_DIR/models_list.json server
    for server in porticod-all porticod-openai-only bare-poco nginx-models; do
        need_server "$server"
        add_target models "$server" "$server" /v1/models
        # The same list everywhere; porticod's comes from the openai plugin's local models.
        expect_body "$server" /v1/models "$list"
    done
    # Every plugin did its work: the key was accepted (200 above) and is needed, the headers are
    # there.
    expect_answer porticod-all GET /v1/models '' "${security[@]}" 'x-trace-id: [0-9a-f]{32}' x-request-id \
        'x-ratelimit-limit-requests: 1000000' 'x-ratelimit-remaining-requests: [0-9]+'
    [[ $(http_request "${SERVER_PORT[porticod-all]}" GET /v1/models) == HTTP/1.[01]' 401 '* ]] ||
        die "porticod-all: GET /v1/models without the API key did not answer 401 (is auth on?)"
    expect_answer nginx-models GET /v1/models '' "${security[@]}" 'x-request-id: [0-9a-f]{32}'

    run_rounds models porticod-all porticod-openai-only bare-poco nginx-models

    compare models 'all plugins / openai only (req/s)' ratio rps porticod-all porticod-openai-only '>=' 0.9
    compare models 'openai only / bare Poco (req/s)' ratio rps porticod-openai-only bare-poco
    compare models 'all plugins / nginx same headers (req/s)' ratio rps porticod-all nginx-models
}
