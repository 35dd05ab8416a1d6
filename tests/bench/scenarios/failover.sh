# Failover under load (the model catalog issue's "Done when"): two upstream porticods serving
# portico-echo (porticod-failover-a and -b, local.token_delay_ms = FAILOVER_DELAY_MS, on the
# client CPUs as the relay's upstream) behind a gateway porticod (porticod-failover, on the
# server CPU) whose catalog has one model, "chat" = deployments "a" and "b", equal weights,
# strategy weighted, routing.cooldown_ms = FAILOVER_COOLDOWN_MS (3 s: the shipped 30 s would
# outlast the run; the breaker's other settings and the upstreams' timeouts at their defaults).
# Paced load for FAILOVER_SECONDS: FAILOVER_RATE / 2 non-streamed chat completions per second
# (`portico_loadgen rate`) and as many streams per second (`portico_loadgen streams
# --connect-rate`), each answer FAILOVER_TOKENS tokens (~0.4 s). At FAILOVER_KILL_AT s upstream b
# gets SIGKILL; at FAILOVER_RESTART_AT s it is started again on the same port. The gateway's
# /metrics (portico_deployment_requests_total, _failures_total, portico_deployment_state,
# portico_model_failovers_total, non-200 chat answers) is sampled every 0.5 s into
# $WORK/failover-metrics.tsv. Checks: no request and no stream failed that had not begun to be
# relayed (these two fail the run, in quick mode too); streams already relaying from b when it
# died are cut (error event or truncated body): counted, allowed; b got no attempt while it
# cooled but its probes (at most one per cooldown); before the kill and in the last 5 s, b's
# share of the attempts is within 5 points of 50%. The gateway runs the metrics plugin besides
# openai: /metrics is that plugin's route.

SERVERS["porticod-failover-a"]="start_porticod openai:failover-upstream"
SERVERS["porticod-failover-b"]="start_porticod openai:failover-upstream"
SERVERS["porticod-failover"]="start_porticod metrics openai:failover"
SERVER_CPUS_FOR[porticod-failover-a]=$CLIENT_CPUS
SERVER_CPUS_FOR[porticod-failover-b]=$CLIENT_CPUS

if [[ ${BENCH_QUICK-0} == 1 ]]; then
    FAILOVER_RATE=${BENCH_FAILOVER_RATE:-40} FAILOVER_SECONDS=${BENCH_FAILOVER_SECONDS:-2}
    FAILOVER_KILL_AT=${BENCH_FAILOVER_KILL_AT:-0.5} FAILOVER_RESTART_AT=${BENCH_FAILOVER_RESTART_AT:-1.2}
    FAILOVER_CONNECTIONS=${BENCH_FAILOVER_CONNECTIONS:-16}
else
    FAILOVER_RATE=${BENCH_FAILOVER_RATE:-500} FAILOVER_SECONDS=${BENCH_FAILOVER_SECONDS:-20}
    FAILOVER_KILL_AT=${BENCH_FAILOVER_KILL_AT:-5} FAILOVER_RESTART_AT=${BENCH_FAILOVER_RESTART_AT:-12}
    FAILOVER_CONNECTIONS=${BENCH_FAILOVER_CONNECTIONS:-200}
fi
# 3 s: b, killed at 5 s, is probed at ~8 and ~11 s (refused: cooling again) and at ~14 s, after
# its restart, back. Quick: 0.5 s, so that it comes back within the 2 s run (~1.5 s).
if [[ ${BENCH_QUICK-0} == 1 ]]; then
    FAILOVER_COOLDOWN_MS=${BENCH_FAILOVER_COOLDOWN_MS:-500}
else
    FAILOVER_COOLDOWN_MS=${BENCH_FAILOVER_COOLDOWN_MS:-3000}
fi
FAILOVER_DELAY_MS=${BENCH_FAILOVER_DELAY_MS:-20}
FAILOVER_TOKENS=${BENCH_FAILOVER_TOKENS:-20}
# The share of the attempts b must have (50% +- this many points) before the kill and at the end.
FAILOVER_SPLIT_POINTS=5

# now_us: the wall clock in microseconds (bash's EPOCHREALTIME, no fork).
now_us() { echo "${EPOCHREALTIME/./}"; }

# seconds_us SECONDS: a (fractional) number of seconds in microseconds.
seconds_us() { awk -v s="$1" 'BEGIN { printf "%d\n", s * 1000000 }'; }

# sleep_until_us WHEN: sleeps until the wall clock reaches WHEN (microseconds).
sleep_until_us() {
    local left=$(($1 - $(now_us)))
    ((left > 0)) || return 0
    sleep "$(printf '%d.%06d' $((left / 1000000)) $((left % 1000000)))"
}

# failover_sample PORT START_US: one line of the metrics samples: seconds since START_US, then
# b's and a's attempts, failures and state, the model's failovers and the gateway's non-200 chat
# answers; nothing when /metrics did not answer with the catalog's series.
failover_sample() {
    local port=$1 start=$2 taken
    taken=$(now_us)
    { http_request "$port" GET /metrics || true; } | awk -v t="$(((taken - start) / 1000))" '
        /^portico_deployment_requests_total\{/ { if (/deployment="a"/) ra = $NF; if (/deployment="b"/) rb = $NF; found = 1 }
        /^portico_deployment_failures_total\{/ { if (/deployment="a"/) fa = $NF; if (/deployment="b"/) fb = $NF }
        /^portico_deployment_state\{/ { if (/deployment="a"/) sa = $NF; if (/deployment="b"/) sb = $NF }
        /^portico_model_failovers_total\{/ && /model="chat"/ { fo = $NF }
        /^portico_http_requests_total\{/ && /route="\/v1\/chat\/completions"/ && !/status="200"/ { bad += $NF }
        END { if (found) printf "%.3f\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", t / 1000, rb, ra, fb, fa, sb, sa, fo, bad }'
}

scenario_failover() {
    local plugin=$STAGE/lib/portico/plugins/openai.so
    if [[ ! -f $plugin ]]; then
        skip_scenario failover "the openai plugin is not in the stage ($plugin)"
        return 0
    fi
    [[ -f $STAGE/lib/portico/plugins/metrics.so ]] ||
        { skip_scenario failover "the metrics plugin is not in the stage (the gateway's /metrics)"; return 0; }
    need_loadgen failover || return 0
    local half
    half=$(awk -v r="$FAILOVER_RATE" 'BEGIN { printf "%g\n", r / 2 }')
    local streams
    streams=$(awk -v r="$half" -v s="$FAILOVER_SECONDS" 'BEGIN { printf "%d\n", r * s + 0.5 }')
    streams_fd_check failover "$streams" 2 || return 0
    need_server porticod-failover-a
    need_server porticod-failover-b # both before the gateway: its config names their ports
    need_server porticod-failover
    mkdir -p "$WORK/loadgen"

    # One request body, FAILOVER_TOKENS words echoed whole (one token each), streamed or not.
    local words='' i
    for ((i = 0; i < FAILOVER_TOKENS; i++)); do words+=" w$i"; done
    local request
    request=$(printf '{"model":"chat","max_tokens":%d,"messages":[{"role":"user","content":"%s"}]' "$FAILOVER_TOKENS" "${words# }")
    printf '%s}' "$request" >"$WORK/failover-request.json"
    printf '%s,"stream":true}' "$request" >"$WORK/failover-stream.json"
    # Both deployments answer, through the catalog, in one attempt.
    local deployment
    for deployment in a b; do
        expect_answer "porticod-failover-$deployment" POST /v1/chat/completions \
            '{"model":"portico-echo","messages":[{"role":"user","content":"ping"}]}' '"object": ?"chat.completion"' 'ping'
    done
    expect_answer porticod-failover POST /v1/chat/completions "$(<"$WORK/failover-request.json")" \
        '"object": ?"chat.completion"' '"w0' 'x-portico-attempts: 1[^0-9]' 'x-portico-deployment: [ab][^a-z0-9:_-]'

    local port=${SERVER_PORT[porticod-failover]} gateway=${SERVER_PID[porticod-failover]}
    local samples=$WORK/failover-metrics.tsv stop=$WORK/failover-sampler.stop
    local rate_out=$WORK/loadgen/failover.requests.txt streams_out=$WORK/loadgen/failover.streams.txt
    local -a rate_cmd=("$LOADGEN" rate --url="http://127.0.0.1:$port/v1/chat/completions" --method=POST
        --body-file="$WORK/failover-request.json" --header='Content-Type: application/json' --rate="$half"
        --duration="$FAILOVER_SECONDS" --connections="$FAILOVER_CONNECTIONS" --timeout=30)
    local -a streams_cmd=("$LOADGEN" streams --url="http://127.0.0.1:$port/v1/chat/completions"
        --body-file="$WORK/failover-stream.json" --header=Content-Type:application/json --streams="$streams"
        --connect-rate="$half" --hold=0 --establish-timeout=$((${FAILOVER_SECONDS%.*} + 30)) --idle-timeout=30
        --drain-timeout=60)
    if [[ -n $CLIENT_CPUS ]]; then
        rate_cmd=(taskset -c "$CLIENT_CPUS" "${rate_cmd[@]}")
        streams_cmd=(taskset -c "$CLIENT_CPUS" "${streams_cmd[@]}")
    fi

    [[ ${BENCH_QUICK-0} == 1 ]] || wait_for_quiet
    note "failover: ${half} requests/s + ${half} streams/s for ${FAILOVER_SECONDS} s through deployments a and b; b killed (SIGKILL) at ${FAILOVER_KILL_AT} s, started again at ${FAILOVER_RESTART_AT} s; cooldown ${FAILOVER_COOLDOWN_MS} ms"
    local before start kill_us restart_us ready_us
    before=$(cpu_mark "$gateway" "${SERVER_PID[porticod-failover-a]}" "${SERVER_PID[porticod-failover-b]}")
    rm -f "$stop"
    start=$(now_us)
    printf 'seconds\tb_requests\ta_requests\tb_failures\ta_failures\tb_state\ta_state\tfailovers\tnon200\n' >"$samples"
    failover_sample "$port" "$start" >>"$samples" # the counts before the load (at ~0 s)
    "${rate_cmd[@]}" >"$rate_out" 2>&1 &
    BACKGROUND_PIDS+=($!)
    local rate_pid=$!
    "${streams_cmd[@]}" >"$streams_out" 2>&1 &
    BACKGROUND_PIDS+=($!)
    local streams_pid=$!
    (
        tick=0
        while [[ ! -e $stop ]]; do
            tick=$((tick + 1))
            sleep_until_us $((start + tick * 500000))
            failover_sample "$port" "$start"
        done
    ) >>"$samples" 2>/dev/null &
    BACKGROUND_PIDS+=($!)
    local sampler_pid=$!

    sleep_until_us $((start + $(seconds_us "$FAILOVER_KILL_AT")))
    kill_us=$(now_us)
    kill -KILL "${SERVER_PID[porticod-failover-b]}"
    wait "${SERVER_PID[porticod-failover-b]}" 2>/dev/null || true
    note "failover: b killed at $(((kill_us - start) / 1000)) ms"
    sleep_until_us $((start + $(seconds_us "$FAILOVER_RESTART_AT")))
    mv "$WORK/porticod-failover-b.log" "$WORK/porticod-failover-b.killed.log"
    restart_us=$(now_us)
    launch porticod-failover-b "${SERVER_CPUS_FOR[porticod-failover-b]}" "$STAGE/sbin/porticod" \
        --config="$WORK/porticod-failover-b/portico.ini"
    wait_ready porticod-failover-b "${SERVER_PORT[porticod-failover-b]}" /healthz
    ready_us=$(now_us)
    note "failover: b started again at $(((restart_us - start) / 1000)) ms, ready at $(((ready_us - start) / 1000)) ms"

    reap_background "$rate_pid" || die "portico_loadgen rate failed (failover):"$'\n'"$(cat "$rate_out")"
    reap_background "$streams_pid" || die "portico_loadgen streams failed (failover):"$'\n'"$(cat "$streams_out")"
    touch "$stop"
    reap_background "$sampler_pid" || true
    failover_sample "$port" "$start" >>"$samples" # after the last answer
    local other
    other=$(other_load_percent "$before" "$(cpu_mark "$gateway" "${SERVER_PID[porticod-failover-a]}" "${SERVER_PID[porticod-failover-b]}")")
    grep -v '^streams ' "$streams_out" >&2 || true
    record_rate failover 'chat, not streamed (b killed)' 1 "$rate_out" "$other"
    failover_checks "$samples" "$rate_out" "$streams_out" "$(((kill_us - start) / 1000))" \
        "$(((restart_us - start) / 1000))" "$(((ready_us - start) / 1000))"
}

# failover_checks SAMPLES RATE_OUT STREAMS_OUT KILL_MS RESTART_MS READY_MS: the check rows.
failover_checks() {
    local samples=$1 rate_out=$2 streams_out=$3 kill_ms=$4 restart_ms=$5 ready_ms=$6 quick=0
    [[ ${BENCH_QUICK-0} == 1 ]] && quick=1
    local -A v=()
    local key value
    # The load generators' counts.
    while read -r key value; do v[$key]=$value; done < <(
        awk '$1 == "rate" || $1 == "streams" { for (i = 2; i <= NF; i++) { split($i, kv, "="); print $1 "_" kv[1], kv[2] } }' \
            "$rate_out" "$streams_out")
    [[ -n ${v[streams_errors]-} && -n ${v[rate_scheduled]-} ]] || die "failover: a load generator printed no result"
    local requests_failed=$((v[rate_non2xx] + v[rate_socket_errors] + v[rate_timeouts]))
    local cut=${v[streams_err_after_first_event]:-nan}
    local streams_failed=nan
    [[ $cut == nan ]] || streams_failed=$((v[streams_errors] - cut))
    # The /metrics samples: the windows and b's shares.
    while read -r key value; do v[$key]=$value; done < <(
        awk -F'\t' -v kill="$kill_ms" -v restart="$restart_ms" -v seconds="$FAILOVER_SECONDS" \
            -v cooldown="$FAILOVER_COOLDOWN_MS" '
            NR == 1 { next }
            { n++; t[n] = $1 * 1000; rb[n] = $2; ra[n] = $3; fb[n] = $4; sb[n] = $6; fo[n] = $8; bad[n] = $9 }
            function share(from, to,   b, a) { b = rb[to] - rb[from]; a = ra[to] - ra[from]
                return (a + b > 0) ? sprintf("%.1f", 100 * b / (a + b)) : "nan" }
            END {
                if (n < 2) exit
                # Before the kill: from the sample before the load to the last one before the kill.
                last = 0; for (i = 1; i <= n; i++) if (t[i] < kill) last = i
                if (last > 1) print "share_before", share(1, last)
                # Cooling: from the first sample showing b cooling (state 1) to the last one before
                # the restart; b may get its probes only, one per cooldown at most.
                for (i = 1; i <= n; i++) if (t[i] >= kill && sb[i] == 1) { first = i; break }
                for (i = 1; i <= n; i++) if (t[i] < restart) before = i
                if (first && before > first) {
                    print "cooling_from_s", sprintf("%.2f", t[first] / 1000)
                    print "cooling_attempts", rb[before] - rb[first]
                    print "cooling_failures", fb[before] - fb[first]
                    print "cooling_probes_allowed", int((t[before] - t[first]) / cooldown) + 1
                }
                # Back: the first sample after the restart with b healthy (its probe succeeded).
                for (i = 2; i <= n; i++) if (t[i] >= restart && sb[i] == 0) { back = i; break }
                if (back) print "healthy_again_s", sprintf("%.2f", t[back] / 1000)
                # The last 5 s of the load (the last sample is taken after it ended).
                from = 0; for (i = 1; i <= n; i++) if (t[i] >= (seconds - 5) * 1000) { from = i; break }
                if (from && from < n) print "share_end", share(from, n)
                print "failovers", fo[n] - fo[1]
                print "non200", bad[n] - bad[1]
                print "samples", n
            }' "$samples")

    require_value failover 'requests failed (not 200, connection, timeout)' "$requests_failed" '<=' 0
    require_value failover 'streams failed before their first event' "$streams_failed" '<=' 0
    check_value failover "streams cut after their first event (allowed)" "$cut" - -
    check_value failover "streams completed (of ${v[streams_requested]})" "${v[streams_completed]}" - -
    # a and b serve the same echo: every completed stream has the same normalised body, whichever
    # answered it (a relay that lost or doubled an event would make a second one).
    check_value failover 'different bodies among the completed streams' "${v[streams_digest_distinct]:-nan}" '<=' 1
    check_value failover 'requests failed over (portico_model_failovers_total)' "${v[failovers]:-nan}" - -
    check_value failover 'b: killed at (s)' "$(awk -v m="$kill_ms" 'BEGIN { printf "%.2f", m / 1000 }')" - -
    check_value failover 'b: cooling from (s, first sample with state 1)' "${v[cooling_from_s]:-nan}" - -
    check_value failover 'b: started again at (s)' "$(awk -v m="$restart_ms" 'BEGIN { printf "%.2f", m / 1000 }')" - -
    check_value failover 'b: healthy again at (s, first sample with state 0)' "${v[healthy_again_s]:-nan}" - -
    local before_dev end_dev
    before_dev=$(awk -v s="${v[share_before]:-nan}" 'BEGIN { print (s == "nan" ? "nan" : sprintf("%.1f", (s > 50 ? s - 50 : 50 - s))) }')
    end_dev=$(awk -v s="${v[share_end]:-nan}" 'BEGIN { print (s == "nan" ? "nan" : sprintf("%.1f", (s > 50 ? s - 50 : 50 - s))) }')
    # Quick mode: too short, and too few requests, to judge the breaker and the split.
    if ((!quick)); then
        check_value failover "b: attempts while cooling (its probes only)" "${v[cooling_attempts]:-nan}" '<=' \
            "${v[cooling_probes_allowed]:-0}"
        check_value failover "b: share of the attempts before the kill (%)" "${v[share_before]:-nan}" - -
        check_value failover "b: share before the kill, |share - 50| (points)" "$before_dev" '<=' "$FAILOVER_SPLIT_POINTS"
        check_value failover "b: share of the attempts in the last 5 s (%)" "${v[share_end]:-nan}" - -
        check_value failover "b: share in the last 5 s, |share - 50| (points)" "$end_dev" '<=' "$FAILOVER_SPLIT_POINTS"
    fi
    note "failover: ${v[rate_scheduled]} requests (${v[rate_ok]} ok, ${v[rate_non2xx]} not 2xx, ${v[rate_socket_errors]} connection errors, ${v[rate_timeouts]} timeouts); ${v[streams_requested]} streams (${v[streams_completed]} completed, ${v[streams_errors]} failed, $cut of them after their first event: connect ${v[streams_err_connect]}, status ${v[streams_err_status]}, closed ${v[streams_err_closed]}, error event ${v[streams_err_event]}, timeout ${v[streams_err_timeout]}, protocol ${v[streams_err_protocol]}); gateway non-200 chat answers ${v[non200]:-?}; b answering again (/healthz) $(awk -v m="$ready_ms" 'BEGIN { printf "%.2f", m / 1000 }') s after the start; b while cooling: ${v[cooling_attempts]:-?} attempts, ${v[cooling_failures]:-?} failures (${v[cooling_probes_allowed]:-?} probes allowed); ${v[samples]:-0} /metrics samples in $samples"
}
