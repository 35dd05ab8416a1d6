# Upstreams of type anthropic (plugins/openai/upstream: AnthropicRequest, AnthropicAnswer,
# AnthropicStream), the Anthropic issue's "Done when": "translation adds under 20 µs per request
# and per streamed event". anthropic_translation_bench
# (plugins/openai/upstream/bench/TranslationBench.cpp) times, in rounds, a chat request turned
# into a Messages request, a Message turned into a chat.completion (with the usage scan), and one
# event of a 200-delta Messages stream turned into chat chunks and relayed, each against what the
# proxy does for the same call to an OpenAI upstream; "adds" is the median of the per-round
# differences. The same three the other way (messages_request, messages_answer, messages_event):
# a /v1/messages request checked and turned into a chat request in one walk (as the handler takes
# the usual requests), a chat.completion into a Message, a chat stream's event into Messages
# events, for an OpenAI-compatible upstream. messages_request_poco (the path for unusual shapes:
# Poco's parse, the validation, the translation) is printed for comparison, without a target.
# Pinned to the server CPU (not with BENCH_PIN=0).

TRANSLATION_BENCH=${BENCH_TRANSLATION_BENCH:-$BUILD/tests/bench/anthropic_translation_bench}

scenario_anthropic() {
    if [[ ! -x $TRANSLATION_BENCH ]]; then
        skip_scenario anthropic "translation not measured: $TRANSLATION_BENCH is missing (cmake --build $BUILD --target anthropic_translation_bench; needs BUILD_TESTING)"
        return 0
    fi
    local out=$WORK/anthropic-translation.txt item
    local -a cmd=("$TRANSLATION_BENCH")
    [[ ${BENCH_QUICK-0} == 1 ]] && cmd+=(--quick)
    [[ -n $SERVER_CPUS ]] && cmd=(taskset -c "$SERVER_CPUS" "${cmd[@]}")
    [[ ${BENCH_QUICK-0} == 1 ]] || wait_for_quiet
    note "anthropic: what the translation adds (anthropic_translation_bench)"
    "${cmd[@]}" >"$out" 2>&1 || die "anthropic_translation_bench failed:"$'\n'"$(cat "$out")"
    grep -v '^translation ' "$out" >&2 || true
    for item in request answer event messages_request messages_answer messages_event; do
        check_value anthropic "translation adds ns per $item" \
            "$(awk -v item="$item" '$1 == "translation" && $2 == "item=" item {
                for (i = 3; i <= NF; i++) if ($i ~ /^adds_ns=/) { sub(/^adds_ns=/, "", $i); print $i } }' "$out")" '<' 20000
    done
}
