# API keys at scale (issue 17): porticod with auth and the openai plugin, its keys file listing
# 10 keys or 100,000. GET /v1/models with the bench's valid key, and with a made-up key per
# request (wrong_key.lua: every answer must be 401), against both. A key lookup is one SHA-256
# and one hash-table probe, so the 100,000-key server must keep up with the 10-key one, and a
# wrong key must cost no more than a right one (a right key that repeats skips the SHA-256 by
# the verified-key cache; a wrong one never does). Also how long each took to load its keys
# file (the auth plugin's "loaded N key(s) ... in M ms" line).
#
# The same for virtual keys (porticod-vkeys10, porticod-vkeys100k): the bench's key is made
# through the admin API (with a policy: models, an rpm far above what the bench sends), the others
# (random digests) are written into the SQLite store by sqlite3 in one transaction with a new
# revision, as another instance would; the server notices and reloads its index (the "reloaded N virtual key(s) ...
# in M ms" line: what loading that many keys costs at start too). Virtual keys are never
# remembered by the verified-key cache, so every request pays the SHA-256 and the policy.
scenario_keys() {
    local server
    for server in porticod-vkeys10 porticod-vkeys100k; do
        need_server "$server"
        virtual_keys_add "$server" "${server#porticod-vkeys}"
        add_target keys "$server-right" "$server" /v1/models
        add_target keys "$server-wrong" "$server" /v1/models wrong_key.lua
        TARGET_STATUS[keys/$server-wrong]=401
        TARGET_OWN_HEADERS[keys/$server-wrong]=1
    done
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

    run_rounds keys porticod-keys10-right porticod-keys100k-right porticod-keys10-wrong porticod-keys100k-wrong \
        porticod-vkeys10-right porticod-vkeys100k-right porticod-vkeys10-wrong porticod-vkeys100k-wrong

    compare keys '100,000 keys / 10 keys, right key (req/s)' ratio rps porticod-keys100k-right porticod-keys10-right '>=' 0.909
    compare keys '100,000 keys / 10 keys, wrong keys (req/s)' ratio rps porticod-keys100k-wrong porticod-keys10-wrong '>=' 0.909
    compare keys 'wrong keys / right key, 100,000 keys (req/s)' ratio rps porticod-keys100k-wrong porticod-keys100k-right
    compare keys '100,000 virtual keys / 10, right key (req/s)' ratio rps porticod-vkeys100k-right porticod-vkeys10-right '>=' 0.909
    compare keys '100,000 virtual keys / 10, wrong keys (req/s)' ratio rps porticod-vkeys100k-wrong porticod-vkeys10-wrong '>=' 0.909
    compare keys 'virtual key / keys-file key, 100,000 keys (req/s)' ratio rps porticod-vkeys100k-right porticod-keys100k-right
}

# virtual_keys_add SERVER COUNT: the bench's virtual key through SERVER's admin API (sent by the
# probes and wrk from then on), then COUNT - 1 others with random digests straight into the
# store, and a wait for the server's reload of all COUNT (its time is checked like a keys
# file's load).
virtual_keys_add() {
    local name=$1 count=$2 dir=$WORK/$1 answer key reloaded ms
    [[ $count == 100k ]] && count=100000
    command -v sqlite3 >/dev/null || die "sqlite3 is not installed (apt-get install sqlite3)"
    answer=$(curl -sS -X POST "http://127.0.0.1:${ADMIN_PORT[$name]}/admin/keys" \
        -H "Authorization: Bearer ${ADMIN_KEY[$name]}" \
        -d '{"models":["portico-*","gpt-4o*"],"rpm":1000000000,"metadata":{"team":"bench"}}')
    key=$(sed -n 's/.*"key":"\(sk-portico-[A-Za-z0-9]*\)".*/\1/p' <<<"$answer")
    [[ -n $key ]] || die "$name: POST /admin/keys did not answer a key: $answer"
    SERVER_HEADERS[$name]="Authorization: Bearer $key"
    {
        printf 'BEGIN;\n'
        head -c $(((count - 1) * 44)) /dev/urandom | od -An -v -tx1 | tr -d ' \n' | fold -w 88 |
            awk '{ printf "INSERT INTO virtual_keys (id, digest, models, rpm, tpm, max_in_flight, expires_at, revoked_at, created_at, metadata, budget_micros, budget_period) VALUES('"'"'vk_%s'"'"','"'"'%s'"'"','"'"'[]'"'"',0,0,0,0,0,0,'"'"'{}'"'"',0,'"'"'total'"'"');\n", substr($0, 1, 24), substr($0, 25, 64) }'
        # What every writer of the store does with a change: the instances reload on a new revision.
        printf 'UPDATE virtual_keys_revision SET revision = revision + 1 WHERE id = 0;\n'
        printf 'COMMIT;\n'
    } | sqlite3 "$dir/keys.db" || die "$name: could not add $((count - 1)) keys to $dir/keys.db"
    for _ in {1..100}; do
        reloaded=$(grep -o "reloaded $count virtual key(s) from .* in [0-9]* ms" "$WORK/$name.log" | tail -n 1 || true)
        [[ -n $reloaded ]] && break
        sleep 0.1
    done
    [[ -n $reloaded ]] || die "$name: no 'reloaded $count virtual key(s)' line in its log ($WORK/$name.log)"
    ms=${reloaded% ms}
    ms=${ms##* }
    note "$name: $reloaded"
    check_value keys "$name: loading its $count virtual keys (ms)" "$ms" '<' 1000
    [[ $(http_request "${SERVER_PORT[$name]}" GET /v1/models '' "${SERVER_HEADERS[$name]}") == HTTP/1.[01]' 200 '* ]] ||
        die "$name: GET /v1/models with the new virtual key did not answer 200"
}
