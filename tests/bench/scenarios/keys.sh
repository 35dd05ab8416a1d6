# API keys at scale (issue 17): porticod with auth and the openai plugin, its keys file listing
# 10 keys or 100,000. GET /v1/models with the bench's valid key, and with a made-up key per
# request (wrong_key.lua: every answer must be 401), against both. A key lookup is one SHA-256
# and one hash-table probe, so the 100,000-key server must keep up with the 10-key one, and a
# wrong key must cost no more than a right one (a right key that repeats skips the SHA-256 by
# the verified-key cache; a wrong one never does). Also how long each took to load its keys
# file (the auth plugin's "loaded N key(s) ... in M ms" line).
scenario_keys() {
    local server
    for server in porticod-keys10 porticod-keys100k; do
        need_server "$server"
        add_target keys "$server-right" "$server" /v1/models
        add_target keys "$server-wrong" "$server" /v1/models wrong_key.lua
        TARGET_STATUS[keys/$server-wrong]=401
        TARGET_OWN_HEADERS[keys/$server-wrong]=1
        [[ $(http_request "${SERVER_PORT[$server]}" GET /v1/models) == HTTP/1.[01]' 401 '* ]] ||
            die "$server: GET /v1/models without the API key did not answer 401 (is auth on?)"
        local loaded ms
        loaded=$(grep -o 'loaded [0-9]* key(s) from [^ ]* in [0-9]* ms' "$WORK/$server.log" | tail -n 1)
        [[ -n $loaded ]] || die "$server: no 'loaded N key(s)' line in its log ($WORK/$server.log)"
        ms=${loaded% ms}
        ms=${ms##* }
        note "$server: $loaded"
        check_value keys "$server: loading its keys file (ms)" "$ms" '<' 1000
    done

    run_rounds keys porticod-keys10-right porticod-keys100k-right porticod-keys10-wrong porticod-keys100k-wrong

    compare keys '100,000 keys / 10 keys, right key (req/s)' ratio rps porticod-keys100k-right porticod-keys10-right '>=' 0.909
    compare keys '100,000 keys / 10 keys, wrong keys (req/s)' ratio rps porticod-keys100k-wrong porticod-keys10-wrong '>=' 0.909
    compare keys 'wrong keys / right key, 100,000 keys (req/s)' ratio rps porticod-keys100k-wrong porticod-keys100k-right
}
