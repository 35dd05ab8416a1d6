# The servers the bench can start, by name. A scenario calls `need_server NAME`: the server is
# started once (on a free port on 127.0.0.1, pinned to the server CPUs), checked, and its port
# is then in SERVER_PORT[NAME]. stop_all (run from run.sh's EXIT trap) stops every one of them.
# To add a server: one line in SERVERS naming its start function and arguments.

declare -A SERVERS=(
    [porticod-none]="start_porticod"
    [porticod-security-tracing]="start_porticod tracing security"
    # The shipped chain (config/portico.ini's order), every plugin on: auth with a real key,
    # ratelimit and idempotency in memory, redaction. Local models only (no upstream).
    [porticod-all]="start_porticod tracing security metrics cors auth ratelimit idempotency redaction openai"
    # Only the openai plugin: the local models (GET /v1/models) ...
    [porticod-openai-only]="start_porticod openai"
    # auth (its key among 10, or among 100,000 in the keys file) and openai: what a key costs
    # with a big keys file (scenarios/keys.sh).
    [porticod-keys10]="start_porticod auth:10 openai"
    [porticod-keys100k]="start_porticod auth:100000 openai"
    # ... or its key a virtual key among 10, or among 100,000, in the admin API's key store.
    [porticod-vkeys10]="start_porticod auth:virtual openai"
    [porticod-vkeys100k]="start_porticod auth:virtual openai"
    # ... or every model proxied to the static upstream (POST /v1/chat/completions).
    [porticod-openai]="start_porticod openai:upstream"
    # ... or a pass-through route /v1/dreams to the static upstream (scenarios/passthrough.sh).
    [porticod-passthrough]="start_porticod openai:passthrough"
    [bare-poco]="start_bare_poco"
    [nginx-healthz]="start_nginx nginx_http_healthz /healthz"
    [nginx-models]="start_nginx nginx_http_models /v1/models"
    [nginx-proxy]="start_nginx nginx_http_proxy /v1/chat/completions"
    # The fast static upstream shares the client's CPU so the server CPU measures the proxy only.
    [nginx-upstream]="start_nginx nginx_http_upstream /v1/chat/completions client"
    [portkey]="start_portkey"
)
declare -A SERVER_PORT=() SERVER_PID=()
# SERVER_HEADERS[NAME]: header lines ("Name: value", one per line) that every request to NAME
# carries, from the readiness probe and expect_answer to wrk (lib/wrk.sh): porticod-all's API key,
# Portkey's routing headers.
declare -A SERVER_HEADERS=()
# SERVER_CPUS_FOR[NAME]: the CPU list (taskset -c) of one server when it is not SERVER_CPUS, set
# by the scenario that defines it (empty: not pinned). PORTICOD_SERVER_LINES[NAME]: extra
# "key = value" lines for a porticod's [server] section (each ending in a newline).
declare -A SERVER_CPUS_FOR=() PORTICOD_SERVER_LINES=()
# CLIENT_PID: the load generator running now; BACKGROUND_PIDS: other processes a scenario runs
# in the background meanwhile (a second load generator, a sampler), reaped with reap_background.
# stop_all stops them all.
CLIENT_PID=
BACKGROUND_PIDS=()

# reap_background PID: waits for PID, one of BACKGROUND_PIDS, and takes it off the list (so that
# stop_all never signals a number the kernel may have handed out again); its exit status.
reap_background() {
    local status=0 pid
    local -a left=()
    wait "$1" || status=$?
    for pid in "${BACKGROUND_PIDS[@]}"; do [[ $pid == "$1" ]] || left+=("$pid"); done
    BACKGROUND_PIDS=("${left[@]}")
    return "$status"
}

need_server() {
    local name=$1
    [[ -n ${SERVER_PORT[$name]-} ]] && return 0
    [[ -n ${SERVERS[$name]-} ]] || die "unknown server '$name' (see SERVERS in lib/servers.sh)"
    local -a start
    read -ra start <<<"${SERVERS[$name]}"
    note "starting $name"
    "${start[0]}" "$name" "${start[@]:1}"
}

# launch NAME CPUS COMMAND...: runs COMMAND in the background (taskset execs it, so the PID is
# the server's own), output in $WORK/NAME.log.
launch() {
    local name=$1 cpus=$2
    shift 2
    [[ -n $cpus ]] && set -- taskset -c "$cpus" "$@"
    "$@" >"$WORK/$name.log" 2>&1 &
    SERVER_PID[$name]=$!
}

# wait_ready NAME PORT PATH: until GET PATH answers 200; a server that exits or stays silent
# for 10 s stops the bench with its log.
wait_ready() {
    local name=$1 port=$2 path=$3 _
    for _ in {1..100}; do
        kill -0 "${SERVER_PID[$name]}" 2>/dev/null ||
            die "$name exited at start-up; its log ($WORK/$name.log):"$'\n'"$(tail -n 20 "$WORK/$name.log")"
        if http_request "$port" GET "$path" '' "${SERVER_HEADERS[$name]-}" | head -n 1 | grep -q ' 200 '; then
            SERVER_PORT[$name]=$port
            return 0
        fi
        sleep 0.1
    done
    die "$name did not answer GET $path with 200 within 10 s; log: $WORK/$name.log"
}

# start_porticod NAME [PLUGIN[:VARIANT]...]: the staged porticod with these plugins in this order
# and their default settings; a plugin that needs settings gets them from
# `porticod_section_<plugin> NAME DIR VARIANT`, which prints its INI section.
start_porticod() {
    local name=$1 dir=$WORK/$1 spec port order=''
    shift
    for spec in "$@"; do order+="${spec%%:*}, "; done
    mkdir -p "$dir"
    free_port
    port=$REPLY
    {
        # drain_seconds: stop quickly at the end; everything else stays at porticod's defaults.
        printf '[server]\nlisten = 127.0.0.1:%s\ndrain_seconds = 1\n%s\n[plugins]\norder = %s\n' "$port" \
            "${PORTICOD_SERVER_LINES[$name]-}" "${order%, }"
        # The access log as nginx's (lib/nginx.sh): off, or a file in the temp dir. (A porticod
        # without the core access log ignores the [log] section.)
        if [[ $ACCESS_LOG == 1 ]]; then
            printf '\n[log]\naccess = file\naccess_file = %s/access.log\n' "$dir"
        else
            printf '\n[log]\naccess = off\n'
        fi
        for spec in "$@"; do
            local plugin=${spec%%:*} variant=''
            [[ $spec == *:* ]] && variant=${spec#*:}
            if declare -F "porticod_section_$plugin" >/dev/null; then
                "porticod_section_$plugin" "$name" "$dir" "$variant"
            fi
        done
    } >"$dir/portico.ini"
    launch "$name" "${SERVER_CPUS_FOR[$name]-$SERVER_CPUS}" "$STAGE/sbin/porticod" --config="$dir/portico.ini"
    wait_ready "$name" "$port" /healthz
}

# openai: the local models (the plugin's defaults); with VARIANT "upstream", every model is
# proxied to the static nginx upstream (start that one first); "passthrough": the pass-through
# routes /v1/dreams and /v1/uploads to that upstream (start it first); "echo": the local models with
# local.token_delay_ms = STREAMS10K_DELAY_MS (scenarios/streams10k.sh); "relay": every model
# proxied to the porticod porticod-relay-upstream (scenarios/relay.sh; start that one first);
# "routing": the model catalog of scenarios/routing.sh, model "failover" (a deployment on the
# closed port ROUTING_DEAD_PORT, always picked first, then one on the static nginx upstream) and
# model "direct" (one deployment on that upstream), the dead one never rested (start
# nginx-upstream first); "failover-upstream": the local models with local.token_delay_ms =
# FAILOVER_DELAY_MS; "failover": the catalog of scenarios/failover.sh, model "chat" = deployments
# "a" and "b" (weight 1 each, weighted) on porticod-failover-a and -b, routing.cooldown_ms =
# FAILOVER_COOLDOWN_MS (start both upstreams first).
porticod_section_openai() {
    local upstream
    case $3 in
    upstream)
        upstream=${SERVER_PORT[nginx-upstream]-}
        [[ -n $upstream ]] || die "$1 needs nginx-upstream started first"
        printf '\n[openai]\nupstream.url = http://127.0.0.1:%s/v1\nupstream.models = *\n' "$upstream"
        ;;
    passthrough)
        upstream=${SERVER_PORT[nginx-upstream]-}
        [[ -n $upstream ]] || die "$1 needs nginx-upstream started first"
        printf '\n[openai]\nupstreams.svc.url = http://127.0.0.1:%s/v1\n' "$upstream"
        printf 'passthrough.dreams.prefix = /v1/dreams\npassthrough.dreams.upstream = svc\n'
        printf 'passthrough.uploads.prefix = /v1/uploads\npassthrough.uploads.upstream = svc\n'
        ;;
    echo)
        printf '\n[openai]\nlocal.token_delay_ms = %s\n' "$STREAMS10K_DELAY_MS"
        ;;
    relay)
        upstream=${SERVER_PORT[porticod-relay-upstream]-}
        [[ -n $upstream ]] || die "$1 needs porticod-relay-upstream started first"
        printf '\n[openai]\nupstream.url = http://127.0.0.1:%s/v1\nupstream.models = *\n' "$upstream"
        ;;
    routing)
        upstream=${SERVER_PORT[nginx-upstream]-}
        [[ -n $upstream ]] || die "$1 needs nginx-upstream started first"
        [[ -n ${ROUTING_DEAD_PORT-} ]] || die "$1 needs ROUTING_DEAD_PORT (scenarios/routing.sh)"
        # Weighted, weights 1 and 0: the dead deployment is always the first choice, the live one
        # (weight 0) serves only once the dead one was tried. allowed_fails = 0: never rested,
        # so every request for "failover" pays the refused connect.
        printf '\n[openai]\nupstreams.dead.url = http://127.0.0.1:%s/v1\nupstreams.live.url = http://127.0.0.1:%s/v1\n' \
            "$ROUTING_DEAD_PORT" "$upstream"
        printf 'deployments.dead.upstream = dead\ndeployments.dead.model = bench-model\ndeployments.dead.weight = 1\n'
        printf 'deployments.live.upstream = live\ndeployments.live.model = bench-model\ndeployments.live.weight = 0\n'
        printf 'models.failover.deployments = dead, live\nmodels.failover.strategy = weighted\n'
        printf 'models.direct.deployments = live:bench-model\nrouting.allowed_fails = 0\n'
        ;;
    failover-upstream)
        printf '\n[openai]\nlocal.token_delay_ms = %s\n' "$FAILOVER_DELAY_MS"
        ;;
    failover)
        local a=${SERVER_PORT[porticod-failover-a]-} b=${SERVER_PORT[porticod-failover-b]-}
        [[ -n $a && -n $b ]] || die "$1 needs porticod-failover-a and porticod-failover-b started first"
        # Two upstreams, one deployment on each, equal weights: half the requests each. The
        # breaker's other settings (allowed_fails = 3 in failure_window_ms = 60000) and the
        # upstreams' timeouts stay at their defaults; only the cooldown is shortened, so that the
        # killed deployment's rest ends within the run (scenarios/failover.sh).
        printf '\n[openai]\nupstreams.a.url = http://127.0.0.1:%s/v1\nupstreams.b.url = http://127.0.0.1:%s/v1\n' "$a" "$b"
        printf 'deployments.a.upstream = a\ndeployments.a.model = portico-echo\ndeployments.a.weight = 1\n'
        printf 'deployments.b.upstream = b\ndeployments.b.model = portico-echo\ndeployments.b.weight = 1\n'
        printf 'models.chat.deployments = a, b\nmodels.chat.strategy = weighted\n'
        printf 'routing.cooldown_ms = %s\n' "$FAILOVER_COOLDOWN_MS"
        ;;
    esac
}

# auth: a real key from `porticod --new-key` (the principal "bench"), its hash in a keys file in
# the server's dir, and the key in SERVER_HEADERS so that the probes and wrk send it. The
# shipped exemptions (/healthz, /readyz): /healthz passes auth by, as in production. VARIANT N:
# the keys file lists N keys, the bench key in the middle of N - 1 others (random digests, as
# other teams' keys would be).
porticod_section_auth() {
    local name=$1 dir=$2 variant=${3:-1} key
    local -a lines=()
    if [[ $variant == virtual ]]; then
        porticod_section_auth_virtual "$name" "$dir"
        return
    fi
    mapfile -t lines < <("$STAGE/sbin/porticod" --new-key=bench 2>/dev/null)
    key=${lines[0]-}
    [[ $key == sk-portico-* && ${lines[1]-} == 'bench sha256:'* ]] ||
        die "porticod --new-key=bench did not print a key and its keys-file line"
    [[ $variant =~ ^[1-9][0-9]*$ ]] || die "porticod_section_auth: key count '$variant' is not a number"
    {
        other_keys $(((variant - 1) / 2)) a
        printf '%s\n' "${lines[1]}"
        other_keys $((variant - 1 - (variant - 1) / 2)) b
    } >"$dir/keys"
    SERVER_HEADERS[$name]="Authorization: Bearer $key"
    printf '\n[auth]\nenabled = true\nkeys_file = %s/keys\nexempt = /healthz, /readyz\n' "$dir"
}

# auth:virtual: an empty keys file, and virtual keys ([admin]: the admin API on a free port,
# its admin key from `porticod --new-key`, the store in the server's dir). The server starts with
# no virtual key: virtual_keys_add (scenarios/keys.sh) makes the bench's through the admin API.
declare -A ADMIN_PORT=() ADMIN_KEY=()
porticod_section_auth_virtual() {
    local name=$1 dir=$2
    ADMIN_KEY[$name]=$("$STAGE/sbin/porticod" --new-key=admin 2>/dev/null | head -n 1)
    [[ ${ADMIN_KEY[$name]} == sk-portico-* ]] || die "porticod --new-key=admin did not print a key"
    printf '%s\n' "${ADMIN_KEY[$name]}" >"$dir/admin.key"
    : >"$dir/keys"
    free_port
    ADMIN_PORT[$name]=$REPLY
    printf '\n[auth]\nenabled = true\nkeys_file = %s/keys\nexempt = /healthz, /readyz\n' "$dir"
    printf '\n[admin]\nlisten = 127.0.0.1:%s\nkey_file = %s/admin.key\nstore = %s/keys.db\n' \
        "${ADMIN_PORT[$name]}" "$dir" "$dir"
}

# other_keys COUNT TAG: COUNT keys-file lines with random SHA-256 digests (principals TAG0, TAG1, ...).
other_keys() {
    (($1 > 0)) || return 0
    head -c $(($1 * 32)) /dev/urandom | od -An -v -tx1 | tr -d ' \n' | fold -w 64 |
        awk -v tag="$2" '{ print tag NR - 1 " sha256:" $0 }'
}

# ratelimit: in memory, keyed per principal and route (the default), with a rate and a burst far
# above what the bench can send: every request pays for its decision and its x-ratelimit-*
# headers, none is refused (a 429 would fail the run). nginx's limit_req is set up the same way
# (lib/nginx.sh). The shipped exemptions (/healthz, /readyz, /metrics).
porticod_section_ratelimit() {
    printf '\n[ratelimit]\nenabled = true\nstore = memory\nrequests_per_second = 1000000\nburst = 1000000\n'
    printf 'keying = route_principal\nexempt_routes = /healthz, /readyz, /metrics\n'
}

porticod_section_idempotency() {
    printf '\n[idempotency]\nenabled = true\nstore = memory\n'
}

porticod_section_redaction() {
    printf '\n[redaction]\nenabled = true\nbuiltins = openai_key, bearer, assignment\n'
}

# The bare Poco server answers /healthz and, with the same bytes as porticod's, /v1/models.
start_bare_poco() {
    local name=$1 binary=$BUILD/tests/bench/portico_bare_poco
    [[ -x $binary ]] || die "$binary is missing: cmake --build $BUILD --target portico_bare_poco"
    free_port
    launch "$name" "$SERVER_CPUS" "$binary" --port="$REPLY" --models-file="$BENCH_DIR/models_list.json"
    wait_ready "$name" "$REPLY" /healthz
}

# The Portkey AI gateway (@portkey-ai/gateway, pinned in portkey/package-lock.json) on node, one
# process (node is single-threaded), pinned to the server CPUs like every server. Its
# start-server.js takes --port and listens on every interface; portkey/localhost-only.mjs,
# preloaded, keeps it on 127.0.0.1. It proxies each request to the provider its headers name:
# "openai" at the custom host = the static upstream (127.0.0.1 is on its trusted custom-host
# list), with the Authorization it is given passed on (the upstream ignores it).
PORTKEY_DIR=$BENCH_DIR/portkey
PORTKEY_GATEWAY=$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js

# portkey_available: true when Portkey can run, after `npm ci` in portkey/ if node_modules is
# missing (that needs the npm registry once); else false with the reason in REPLY.
portkey_available() {
    command -v node >/dev/null || { REPLY="node is not installed (apt-get install nodejs npm)"; return 1; }
    [[ -f $PORTKEY_GATEWAY ]] && return 0
    command -v npm >/dev/null || { REPLY="npm is not installed (apt-get install npm)"; return 1; }
    note "portkey: npm ci in $PORTKEY_DIR"
    if ! (cd "$PORTKEY_DIR" && npm ci --ignore-scripts --no-audit --no-fund) >"$WORK/portkey-npm-ci.log" 2>&1; then
        REPLY="npm ci in $PORTKEY_DIR failed: $(tail -n 3 "$WORK/portkey-npm-ci.log" | tr '\n' ' ')"
        return 1
    fi
    [[ -f $PORTKEY_GATEWAY ]] || { REPLY="npm ci did not install $PORTKEY_GATEWAY"; return 1; }
}

start_portkey() {
    local name=$1 upstream=${SERVER_PORT[nginx-upstream]-}
    [[ -n $upstream ]] || die "$name needs nginx-upstream started first"
    [[ -f $PORTKEY_GATEWAY ]] || die "$PORTKEY_GATEWAY is missing (portkey_available runs npm ci)"
    free_port
    SERVER_HEADERS[$name]="x-portkey-provider: openai
x-portkey-custom-host: http://127.0.0.1:$upstream/v1
Authorization: Bearer sk-bench-upstream-key"
    launch "$name" "${SERVER_CPUS_FOR[$name]-$SERVER_CPUS}" env NODE_ENV=production \
        node --import="$PORTKEY_DIR/localhost-only.mjs" "$PORTKEY_GATEWAY" --port="$REPLY" --headless
    wait_ready "$name" "$REPLY" /
}

# expect_answer NAME METHOD PATH BODY PATTERN...: the server answers 200 and every
# (case-insensitive, extended) PATTERN is in the answer. Guards the figures: a plugin that is
# silently off or a proxy that answers 502 would make a ratio meaningless. The request carries
# SERVER_HEADERS[NAME], as wrk's do.
expect_answer() {
    local name=$1 method=$2 path=$3 body=$4 answer pattern
    shift 4
    answer=$(http_request "${SERVER_PORT[$name]}" "$method" "$path" "$body" "${SERVER_HEADERS[$name]-}") || true
    head -n 1 <<<"$answer" | grep -q ' 200 ' ||
        die "$name: $method $path did not answer 200:"$'\n'"$answer"
    for pattern in "$@"; do
        grep -qiE "$pattern" <<<"$answer" || die "$name: $method $path lacks '$pattern':"$'\n'"$answer"
    done
}

# expect_body NAME PATH FILE: GET PATH answers 200 with exactly FILE's bytes (less a trailing
# newline) as its body: the peers of a scenario answer the same thing.
expect_body() {
    local name=$1 path=$2 answer expected
    answer=$(http_request "${SERVER_PORT[$name]}" GET "$path" '' "${SERVER_HEADERS[$name]-}") || true
    expected=$(<"$3")
    head -n 1 <<<"$answer" | grep -q ' 200 ' || die "$name: GET $path did not answer 200:"$'\n'"$answer"
    [[ ${answer#*$'\r\n\r\n'} == "$expected" ]] ||
        die "$name: GET $path does not answer $(basename "$3")'s body:"$'\n'"$answer"
}

# stop_all: TERM to every server, to a running wrk or load generator and to BACKGROUND_PIDS, KILL
# after 5 s, reap them all.
stop_all() {
    local name pid _
    local -a pids=()
    [[ -n $CLIENT_PID ]] && pids+=("$CLIENT_PID")
    pids+=("${BACKGROUND_PIDS[@]}")
    for name in "${!SERVER_PID[@]}"; do pids+=("${SERVER_PID[$name]}"); done
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in {1..50}; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
