# Shared helpers for run.sh: messages, raw HTTP over bash's /dev/tcp (no curl needed), free
# ports, medians. Sourced, not run.

# Progress and errors go to stderr: stdout carries the result table only.
note() { printf '%s\n' "$*" >&2; }
die() {
    printf 'bench: %s\n' "$*" >&2
    exit 1
}

# http_request PORT METHOD PATH [BODY [HEADERS]]: prints the raw answer (status line, headers,
# body). HEADERS: extra header lines ("Name: value", one per line). HTTP/1.0 and "Connection:
# close", so the server closes the connection once it has answered; an answer with a
# Content-Length is read to its end without waiting for that (Portkey passes its upstream's
# "connection: keep-alive" on and keeps the connection open).
http_request() {
    local port=$1 method=$2 path=$3 body=${4-} headers=${5-}
    [[ -z $headers ]] || headers="${headers//$'\n'/$'\r\n'}"$'\r\n'
    (
        exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
        printf '%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
            "$method" "$path" "$headers" "${#body}" "$body" >&3
        local answer='' line length=''
        while IFS= read -r -t 5 line <&3; do
            answer+=$line$'\n'
            line=${line%$'\r'}
            [[ -n $line ]] || break
            [[ ${line,,} != content-length:* ]] || length=${line//[!0-9]/}
        done
        # "x" keeps the body's trailing newlines from $( ).
        if [[ -n $length ]]; then
            answer+=$(timeout 5 head -c "$length" <&3; printf x)
        else
            answer+=$(timeout 5 cat <&3; printf x)
        fi
        # One write: a reader that stops early (| head -n 1) must not cost a SIGPIPE here.
        printf '%s' "${answer%x}"
    ) 2>/dev/null
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port: sets REPLY to a port on 127.0.0.1 that nothing listens on and that this run has not
# handed out yet. 20000-31999 stays below Linux's ephemeral range (32768+), where wrk's own
# client sockets live.
declare -A PORTS_GIVEN=()
free_port() {
    local port _
    for _ in {1..200}; do
        port=$((20000 + RANDOM % 12000))
        if [[ -z ${PORTS_GIVEN[$port]-} ]] && ! port_in_use "$port"; then
            PORTS_GIVEN[$port]=1
            REPLY=$port
            return 0
        fi
    done
    die "no free port found on 127.0.0.1"
}

# median: the median of the numbers on stdin, one per line ("nan" when there are none).
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
