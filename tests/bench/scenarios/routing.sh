# The model catalog (plugins/openai/routing/), its issue's two "Done when" figures:
#  - choosing a deployment costs under 1 µs with 100 groups of 10 deployments:
#    routing_pick_bench (plugins/openai/routing/bench/PickBench.cpp) times Router::find +
#    Router::pick + the release (succeeded + finished) per strategy, on one thread and on two at
#    once, in rounds; its medians go to the pick table and to the checks (target < 1000 ns).
#    Pinned: taskset to the server and client CPUs, the single thread on the server CPU, the pair
#    one on each (--cpus); not pinned with BENCH_PIN=0.
#  - a request whose first deployment refuses the connection completes less than 2 ms slower
#    than a direct one: porticod-routing (only the openai plugin, on the server CPU) serves model
#    "failover" (deployment "dead" on a closed port, weight 1, always tried first; then "live",
#    weight 0, on the static nginx upstream) and model "direct" (one deployment on that upstream),
#    with routing.allowed_fails = 0 so that the dead one is never rested and every failover
#    request pays the refused connect. portico_loadgen POSTs /v1/chat/completions for each at the
#    latency scenario's fixed rate (BENCH_LATENCY_RATE, _SECONDS, _CONNECTIONS), interleaved in
#    rounds; compared: p50 failover - p50 direct, paired per round (target < 2 ms).
# Each half is skipped, saying why, when what it needs is missing (the program; openai.so or the
# load generator).

SERVERS["porticod-routing"]="start_porticod openai:routing"

PICK_BENCH=${BENCH_PICK_BENCH:-$BUILD/tests/bench/routing_pick_bench}

scenario_routing() {
    routing_pick
    routing_failover
}

# routing_pick: the choice's cost (routing_pick_bench), into $WORK/pick.tsv and the checks.
routing_pick() {
    if [[ ! -x $PICK_BENCH ]]; then
        skip_scenario routing "pick cost not measured: $PICK_BENCH is missing (cmake --build $BUILD --target routing_pick_bench; needs BUILD_TESTING)"
        return 0
    fi
    local out=$WORK/routing-pick.txt before other strategy
    local -a cmd=("$PICK_BENCH")
    [[ ${BENCH_QUICK-0} == 1 ]] && cmd+=(--quick)
    if [[ -n $SERVER_CPUS ]]; then
        # The first CPU of each list: the single thread on the server's, the second on the client's.
        cmd=(taskset -c "$SERVER_CPUS,$CLIENT_CPUS" "${cmd[@]}" --cpus="${SERVER_CPUS%%[,-]*},${CLIENT_CPUS%%[,-]*}")
    else
        cmd+=(--no-pin)
    fi
    [[ ${BENCH_QUICK-0} == 1 ]] || wait_for_quiet
    note "routing: choosing a deployment, 100 groups x 10 (routing_pick_bench)"
    before=$(cpu_mark)
    "${cmd[@]}" >"$out" 2>&1 &
    CLIENT_PID=$!
    wait "$CLIENT_PID" || die "routing_pick_bench failed:"$'\n'"$(cat "$out")"
    CLIENT_PID=
    other=$(other_load_percent "$before" "$(cpu_mark)")
    grep -v '^pick ' "$out" >&2 || true
    record_pick routing "$out" "$other"
    for strategy in weighted least_busy latency; do
        check_value routing "pick ns (100 groups x 10), $strategy" "$(pick_value routing "$strategy" 1 median_ns)" '<' 1000
        check_value routing "pick ns (100 groups x 10), $strategy, 2 threads" "$(pick_value routing "$strategy" 2 median_ns)" '<' 1000
    done
}

# routing_failover: a refused first deployment vs a direct one, at a fixed rate.
routing_failover() {
    local plugin=$STAGE/lib/portico/plugins/openai.so
    if [[ ! -f $plugin ]]; then
        skip_scenario routing "failover not measured: the openai plugin is not in the stage ($plugin)"
        return 0
    fi
    need_loadgen routing || return 0
    need_server nginx-upstream # before porticod-routing: its config names the upstream's port
    # A port nothing listens on (free_port checked it, and hands it out to nothing else): the
    # dead deployment's connects are refused.
    free_port
    ROUTING_DEAD_PORT=$REPLY
    need_server porticod-routing
    local model
    for model in failover direct; do
        printf '{"model":"%s","messages":[{"role":"user","content":"Say hello."}]}' "$model" >"$WORK/routing-$model.json"
    done
    # Every answer is the upstream's completion, the failover one after exactly two attempts (the
    # refused one, then "live"), the direct one after one.
    routing_expect_answers
    for model in failover direct; do
        add_rate_target routing "chat:$model" porticod-routing POST /v1/chat/completions "$WORK/routing-$model.json"
    done

    run_rate_rounds routing "$LATENCY_RATE" "$LATENCY_SECONDS" chat:failover chat:direct

    # Still two attempts after every round: the dead deployment was never rested.
    routing_expect_answers
    compare routing 'p50 failover - direct, chat (ms)' delta p50 chat:failover chat:direct '<' 2
    compare routing 'p99 failover - direct, chat (ms)' delta p99 chat:failover chat:direct
}

routing_expect_answers() {
    expect_answer porticod-routing POST /v1/chat/completions "$(<"$WORK/routing-failover.json")" \
        '"object": ?"chat.completion"' 'fixed completion' 'x-portico-attempts: 2[^0-9]' 'x-portico-deployment: live[^:]'
    expect_answer porticod-routing POST /v1/chat/completions "$(<"$WORK/routing-direct.json")" \
        '"object": ?"chat.completion"' 'fixed completion' 'x-portico-attempts: 1[^0-9]' 'x-portico-deployment: live:bench-model'
}
