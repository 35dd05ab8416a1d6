# nginx peers. Each nginx the bench runs is its own instance: a prefix dir under $WORK with a
# generated nginx.conf (127.0.0.1 only; pid, logs and temp files inside the dir), one worker
# process (the server gets one CPU, like porticod) unless NGINX_WORKERS[NAME] says otherwise
# (nginx-proxy: one per CPU it runs on, scenarios/proxy.sh), run as
# `nginx -p DIR -c CONF -g 'daemon off;'`.
declare -A NGINX_WORKERS=()

# The headers porticod's security and tracing plugins put on every answer: the security plugin's
# five with its default values, and a request id of 32 hex ($request_id has that shape).
NGINX_ANSWER_HEADERS='
        add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
        add_header X-Content-Type-Options "nosniff" always;
        add_header X-Frame-Options "DENY" always;
        add_header Referrer-Policy "no-referrer" always;
        add_header Content-Security-Policy "default-src '"'none'; frame-ancestors 'none'"'" always;
        add_header X-Request-Id $request_id always;'
# limit_req as porticod-all's ratelimit plugin is set up (lib/servers.sh,
# porticod_section_ratelimit): one bucket per client and route (porticod: per principal and
# route), a rate and a burst far above what the bench can send, so it costs what a rate-limit
# check costs and never rejects (a 429 would count as an error and fail the run).
# NGINX_LIMIT_REQ_ZONE goes in the http {} context, NGINX_LIMIT_REQ in a location.
NGINX_LIMIT_REQ_ZONE='
    limit_req_zone $binary_remote_addr$uri zone=bench:1m rate=1000000r/s;
    limit_req_status 429;'
NGINX_LIMIT_REQ='
            limit_req zone=bench burst=1000000 nodelay;'

# start_nginx NAME HTTP_FUNCTION PROBE_PATH [client]: HTTP_FUNCTION PORT prints the server blocks
# of the http {} context. "client" pins it beside wrk instead of on the server CPUs;
# SERVER_CPUS_FOR[NAME] (lib/servers.sh) pins it elsewhere.
start_nginx() {
    local name=$1 body=$2 probe=$3 cpus=${SERVER_CPUS_FOR[$1]-$SERVER_CPUS} dir=$WORK/$1 port
    [[ ${4-} == client ]] && cpus=$CLIENT_CPUS
    mkdir -p "$dir/tmp"
    free_port
    port=$REPLY
    {
        nginx_main_conf "$dir" "${NGINX_WORKERS[$name]-1}"
        "$body" "$port"
        printf '}\n'
    } >"$dir/nginx.conf"
    launch "$name" "$cpus" "$NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;'
    wait_ready "$name" "$port" "$probe"
}

# nginx_main_conf DIR WORKERS: everything up to and including "http {". The access log follows
# BENCH_ACCESS_LOG as porticod's does: off by default (a log line per request is a cost of its
# own, measured on its own), or DIR/access.log.
nginx_main_conf() {
    local dir=$1 workers=$2 module access_log=off
    [[ $ACCESS_LOG == 1 ]] && access_log="$dir/access.log"
    cat <<CONF
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log $access_log;
    default_type application/json;
    server_tokens off;
    keepalive_requests 1000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
CONF
    # Temp paths of the other modules, when this nginx has them (else it would try /var/lib/nginx).
    for module in fastcgi uwsgi scgi; do
        "$NGINX" -V 2>&1 | grep -q -- "--without-http_${module}_module" ||
            printf '    %s_temp_path %s/tmp/%s;\n' "$module" "$dir" "$module"
    done
}

# The /healthz peer: the same body as porticod, the five security headers and a request id
# (32 hex, as porticod's tracing plugin) on the answer, behind limit_req.
nginx_http_healthz() {
    printf '%s\n' "$NGINX_LIMIT_REQ_ZONE"
    cat <<CONF
    server {
        listen 127.0.0.1:$1;
        location = /healthz {$NGINX_ANSWER_HEADERS$NGINX_LIMIT_REQ
            return 200 '{"status":"ok"}';
        }
    }
CONF
}

# The /v1/models peer: porticod's models list (models_list.json, the same bytes), with the same
# headers and limit_req as nginx-healthz.
nginx_http_models() {
    local models
    models=$(tr -d '\n' <"$BENCH_DIR/models_list.json")
    [[ $models != *[\'\$\\]* ]] || die "models_list.json must not contain ' \$ or \\ (nginx string)"
    printf '%s\n' "$NGINX_LIMIT_REQ_ZONE"
    cat <<CONF
    server {
        listen 127.0.0.1:$1;
        location = /v1/models {$NGINX_ANSWER_HEADERS$NGINX_LIMIT_REQ
            return 200 '$models';
        }
    }
CONF
}

# The fast static upstream: a fixed chat.completion for POST /v1/chat/completions.
nginx_http_upstream() {
    local completion
    completion=$(tr -d '\n' <"$BENCH_DIR/chat_completion.json")
    [[ $completion != *[\'\$\\]* ]] || die "chat_completion.json must not contain ' \$ or \\ (nginx string)"
    cat <<CONF
    server {
        listen 127.0.0.1:$1;
        location = /v1/chat/completions {
            return 200 '$completion';
        }
        # A service's own route, for the passthrough scenario: the same bytes.
        location /v1/dreams/ {
            default_type application/json;
            return 200 '$completion';
        }
        # Uploads of any size, for the upload scenario: the whole body is read (in memory)
        # before the answer, as a service that stores it would; nginx's return would answer
        # at once and drop the body, an early answer that closes the client's connection. The
        # buffering proxy to this same server's /stored/ (without the body) does that.
        location /v1/uploads/ {
            client_max_body_size 0;
            client_body_buffer_size 1m;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass http://upload_self/stored/;
        }
        location /stored/ {
            default_type application/json;
            return 200 '{"stored":true}';
        }
    }
    upstream upload_self {
        server 127.0.0.1:$1;
        keepalive 16;
    }
CONF
}

# nginx proxy_pass to the static upstream, with a keep-alive pool as porticod's proxy has one,
# and the same headers and limit_req as nginx-healthz.
nginx_http_proxy() {
    local upstream=${SERVER_PORT[nginx-upstream]-}
    [[ -n $upstream ]] || die "nginx-proxy needs nginx-upstream started first"
    printf '%s\n' "$NGINX_LIMIT_REQ_ZONE"
    cat <<CONF
    upstream chat_upstream {
        server 127.0.0.1:$upstream;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$1;
        location / {$NGINX_ANSWER_HEADERS$NGINX_LIMIT_REQ
            proxy_pass http://chat_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
        # The upload scenario: bodies streamed to the upstream as they come, as porticod's
        # pass-through routes do (nginx's default spools them to a temp file first).
        location /v1/uploads/ {$NGINX_ANSWER_HEADERS$NGINX_LIMIT_REQ
            client_max_body_size 0;
            proxy_request_buffering off;
            proxy_pass http://chat_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
CONF
}
