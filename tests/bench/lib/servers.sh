# The servers the bench can start, by name. A scenario calls `need_server NAME`: the server is
# started once (on a free port on 127.0.0.1, pinned to the server CPUs), checked, and its port
# is then in SERVER_PORT[NAME]. stop_all (run from run.sh's EXIT trap) stops every one of them.
# To add a server: one line in SERVERS naming its start function and arguments.

declare -A SERVERS=(
    [porticod-none]="start_porticod"
    [porticod-security-tracing]="start_porticod tracing security"
    [porticod-openai]="start_porticod openai"
    [bare-poco]="start_bare_poco"
    [nginx-healthz]="start_nginx nginx_http_healthz /healthz"
    [nginx-proxy]="start_nginx nginx_http_proxy /v1/chat/completions"
    # The fast static upstream shares the client's CPU so the server CPU measures the proxy only.
    [nginx-upstream]="start_nginx nginx_http_upstream /v1/chat/completions client"
)
declare -A SERVER_PORT=() SERVER_PID=()
CLIENT_PID=

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
        if http_request "$port" GET "$path" | head -n 1 | grep -q ' 200 '; then
            SERVER_PORT[$name]=$port
            return 0
        fi
        sleep 0.1
    done
    die "$name did not answer GET $path with 200 within 10 s; log: $WORK/$name.log"
}

# start_porticod NAME [PLUGIN...]: the staged porticod with these plugins in this order and their
# default settings; a plugin that needs settings gets them from porticod_section_<plugin>.
start_porticod() {
    local name=$1 dir=$WORK/$1 plugin port order
    shift
    order=$(printf '%s, ' "$@")
    mkdir -p "$dir"
    free_port
    port=$REPLY
    {
        # drain_seconds: stop quickly at the end; everything else stays at porticod's defaults.
        printf '[server]\nlisten = 127.0.0.1:%s\ndrain_seconds = 1\n\n[plugins]\norder = %s\n' "$port" "${order%, }"
        # The access log as nginx's (lib/nginx.sh): off, or a file in the temp dir. (A porticod
        # without the core access log ignores the [log] section.)
        if [[ $ACCESS_LOG == 1 ]]; then
            printf '\n[log]\naccess = file\naccess_file = %s/access.log\n' "$dir"
        else
            printf '\n[log]\naccess = off\n'
        fi
        for plugin in "$@"; do
            if declare -F "porticod_section_$plugin" >/dev/null; then "porticod_section_$plugin"; fi
        done
    } >"$dir/portico.ini"
    launch "$name" "$SERVER_CPUS" "$STAGE/sbin/porticod" --config="$dir/portico.ini"
    wait_ready "$name" "$port" /healthz
}

# The openai plugin proxies every model to the static nginx upstream (start that one first).
porticod_section_openai() {
    local upstream=${SERVER_PORT[nginx-upstream]-}
    [[ -n $upstream ]] || die "porticod-openai needs nginx-upstream started first"
    printf '\n[openai]\nupstream.url = http://127.0.0.1:%s/v1\nupstream.models = *\n' "$upstream"
}

start_bare_poco() {
    local name=$1 binary=$BUILD/tests/bench/portico_bare_poco
    [[ -x $binary ]] || die "$binary is missing: cmake --build $BUILD --target portico_bare_poco"
    free_port
    launch "$name" "$SERVER_CPUS" "$binary" --port="$REPLY"
    wait_ready "$name" "$REPLY" /healthz
}

# expect_answer NAME METHOD PATH BODY PATTERN...: the server answers 200 and every
# (case-insensitive, extended) PATTERN is in the answer. Guards the figures: a plugin that is
# silently off or a proxy that answers 502 would make a ratio meaningless.
expect_answer() {
    local name=$1 method=$2 path=$3 body=$4 answer pattern
    shift 4
    answer=$(http_request "${SERVER_PORT[$name]}" "$method" "$path" "$body")
    head -n 1 <<<"$answer" | grep -q ' 200 ' ||
        die "$name: $method $path did not answer 200:"$'\n'"$answer"
    for pattern in "$@"; do
        grep -qiE "$pattern" <<<"$answer" || die "$name: $method $path lacks '$pattern':"$'\n'"$answer"
    done
}

# stop_all: TERM to every server and to a running wrk, KILL after 5 s, reap them all.
stop_all() {
    local name pid _
    local -a pids=()
    [[ -n $CLIENT_PID ]] && pids+=("$CLIENT_PID")
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
