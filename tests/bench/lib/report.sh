# Results: medians per target, comparisons (ratios and differences), the table on stdout and the
# same as JSON. Reads $WORK/samples.tsv (lib/wrk.sh), $WORK/latency.tsv and $WORK/streams.tsv
# (lib/loadgen.sh), $WORK/comparisons.tsv (compare) and $WORK/checks.tsv (check_value).

# compare SCENARIO LABEL ratio|delta METRIC A B [OP THRESHOLD]: a line of the comparison table,
# A/B (ratio) or A-B (delta) of the medians of METRIC (rps, p50 or p99 in ms), checked against
# "OP THRESHOLD" (>= or <=) when one is given.
compare() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "${7:--}" "${8:--}" \
        >>"$WORK/comparisons.tsv"
}

# skip_scenario SCENARIO WHY: says so now and in the table and the JSON.
skip_scenario() {
    note "SKIP $1: $2"
    printf '%s\t%s\n' "$1" "$2" >>"$WORK/skipped.tsv"
}

# check_value SCENARIO LABEL VALUE OP THRESHOLD: a line of the comparison table for a single
# measured value (no pairing), e.g. how many streams were held.
check_value() {
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$WORK/checks.tsv"
}

# The columns of $WORK/streams.tsv, one line per streams run.
STREAMS_COLUMNS=(scenario target requested established held completed ended_early errors err_connect
    err_status err_closed err_event err_timeout err_protocol open_peak ramp_s hold_s first_event_p50_ms
    first_event_p99_ms rss_idle_mib rss_mib hwm_mib threads fds server_threads stack_kib listen_overflows)

# record_streams SCENARIO TARGET LOADGEN_OUT IDLE_SAMPLE PEAK_SAMPLE SERVER_THREADS STACK_KIB
# LISTEN_OVERFLOWS: one line of $WORK/streams.tsv from the load generator's result line and the
# server's /proc samples ("rss_kib hwm_kib threads fds", lib/loadgen.sh) before and while the
# streams were held.
record_streams() {
    awk -v s="$1" -v t="$2" -v idle="$4" -v peak="$5" -v threads="$6" -v stack="$7" -v overflows="$8" '
        $1 == "streams" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            split(idle, a, " "); split(peak, p, " ")
            printf "%s\t%s", s, t
            n = split("requested established held completed ended_early errors err_connect err_status err_closed err_event err_timeout err_protocol open_peak ramp_s hold_s first_event_p50_ms first_event_p99_ms", k, " ")
            for (i = 1; i <= n; i++) printf "\t%s", v[k[i]]
            printf "\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%d\t%d\n", a[1] / 1024, p[1] / 1024, p[2] / 1024, p[3], p[4], threads, stack, overflows
            found = 1 }
        END { if (!found) { print "no streams result line in " FILENAME > "/dev/stderr"; exit 1 } }' "$3" \
        >>"$WORK/streams.tsv" || die "portico_loadgen printed no streams result:"$'\n'"$(cat "$3")"
}

# stream_value SCENARIO TARGET COLUMN: one value of $WORK/streams.tsv (a name in STREAMS_COLUMNS).
stream_value() {
    local i
    for i in "${!STREAMS_COLUMNS[@]}"; do
        [[ ${STREAMS_COLUMNS[$i]} == "$3" ]] || continue
        awk -F'\t' -v s="$1" -v t="$2" -v c=$((i + 1)) '$1 == s && $2 == t { v = $c } END { print (v == "" ? "nan" : v) }' \
            "$WORK/streams.tsv"
        return 0
    done
    die "stream_value: no column '$3'"
}

# summarise: $WORK/summary.tsv, one line per scenario/target in the order they ran: scenario,
# target, rounds, then medians over the rounds of req/s, p50 ms, p99 ms, then spread %
# ((max - min) / median req/s), requests, errors, median other load %, req/s per round (a,b,c).
summarise() {
    local scenario target column
    local -a medians
    : >"$WORK/summary.tsv"
    [[ -s $WORK/samples.tsv ]] || return 0
    while IFS=$'\t' read -r scenario target; do
        medians=()
        for column in 4 5 6 9; do
            medians+=("$(awk -F'\t' -v s="$scenario" -v t="$target" -v c="$column" \
                '$1 == s && $2 == t { print $c }' "$WORK/samples.tsv" | median)")
        done
        awk -F'\t' -v OFS='\t' -v s="$scenario" -v t="$target" -v rps="${medians[0]}" \
            -v p50="${medians[1]}" -v p99="${medians[2]}" -v other="${medians[3]}" '
            $1 != s || $2 != t { next }
            { n++; req += $7; err += $8; list = list (n > 1 ? "," : "") $4
              if (n == 1 || $4 < lo) lo = $4
              if (n == 1 || $4 > hi) hi = $4 }
            END { print s, t, n, rps, p50, p99, (rps > 0 ? 100 * (hi - lo) / rps : 0), req, err, other, list }' \
            "$WORK/samples.tsv" >>"$WORK/summary.tsv"
    done < <(cut -f1,2 "$WORK/samples.tsv" | awk '!seen[$0]++')
}

# summarise_latency: $WORK/latency-summary.tsv, one line per scenario/target of the fixed-rate
# runs: scenario, target, rounds, target rate, then medians over the rounds of achieved req/s,
# p50, p90, p99, p99.9, max (ms), then requests, errors, median other load %, median send lag p99.
summarise_latency() {
    local scenario target column
    local -a medians
    : >"$WORK/latency-summary.tsv"
    [[ -s $WORK/latency.tsv ]] || return 0
    while IFS=$'\t' read -r scenario target; do
        medians=()
        for column in 5 6 7 8 9 10 13 14; do
            medians+=("$(awk -F'\t' -v s="$scenario" -v t="$target" -v c="$column" \
                '$1 == s && $2 == t { print $c }' "$WORK/latency.tsv" | median)")
        done
        awk -F'\t' -v OFS='\t' -v s="$scenario" -v t="$target" -v m="${medians[*]}" '
            $1 != s || $2 != t { next }
            { n++; rate = $4; req += $11; err += $12 }
            END { split(m, v, " "); print s, t, n, rate, v[1], v[2], v[3], v[4], v[5], v[6], req, err, v[7], v[8] }' \
            "$WORK/latency.tsv" >>"$WORK/latency-summary.tsv"
    done < <(cut -f1,2 "$WORK/latency.tsv" | awk '!seen[$0]++')
}

# evaluate: every comparison into $WORK/verdicts.tsv: scenario, label, value, op, threshold,
# verdict (ok, MISSED, or - without a threshold). The value is paired: A/B (or A-B) within each
# round, where the two ran seconds apart, then the median over the rounds. That cancels most of
# a shared machine's drifting load, which a ratio of two medians would not.
evaluate() {
    : >"$WORK/verdicts.tsv"
    # The paired figures: wrk's samples, and the fixed-rate ones in the same column layout
    # (scenario, target, round, req/s, p50, p99).
    {
        [[ ! -s $WORK/samples.tsv ]] || cat "$WORK/samples.tsv"
        [[ ! -s $WORK/latency.tsv ]] || awk -F'\t' -v OFS='\t' '{ print $1, $2, $3, $5, $6, $8 }' "$WORK/latency.tsv"
    } >"$WORK/paired.tsv"
    [[ -s $WORK/comparisons.tsv && -s $WORK/paired.tsv ]] && evaluate_comparisons
    evaluate_checks
}

# evaluate_comparisons: the paired comparisons (compare) into $WORK/verdicts.tsv.
evaluate_comparisons() {
    awk -F'\t' -v OFS='\t' '
        NR == FNR { v[$1, $2, $3, "rps"] = $4; v[$1, $2, $3, "p50"] = $5; v[$1, $2, $3, "p99"] = $6
                    if ($3 + 0 > rounds) rounds = $3 + 0
                    next }
        { n = 0
          for (r = 1; r <= rounds; r++) {
              if (!(($1, $5, r, $4) in v) || !(($1, $6, r, $4) in v)) continue
              a = v[$1, $5, r, $4]; b = v[$1, $6, r, $4]
              if ($3 == "ratio" && b == 0) continue
              x = $3 == "ratio" ? a / b : a - b
              for (i = ++n; i > 1 && sorted[i - 1] > x; i--) sorted[i] = sorted[i - 1]
              sorted[i] = x
          }
          value = n == 0 ? "nan" : sprintf("%.3f", n % 2 ? sorted[(n + 1) / 2] : (sorted[n / 2] + sorted[n / 2 + 1]) / 2)
          verdict = "-"
          if ($7 != "-" && value != "nan")
              verdict = (($7 == ">=" && value + 0 >= $8 + 0) || ($7 == "<=" && value + 0 <= $8 + 0)) ? "ok" : "MISSED"
          print $1, $2, value, $7, $8, verdict }' "$WORK/paired.tsv" "$WORK/comparisons.tsv" >>"$WORK/verdicts.tsv"
}

# evaluate_checks: the check_value lines into $WORK/verdicts.tsv, in the same layout.
evaluate_checks() {
    [[ -s $WORK/checks.tsv ]] || return 0
    awk -F'\t' -v OFS='\t' '{
        verdict = "-"
        if ($3 != "nan")
            verdict = (($4 == ">=" && $3 + 0 >= $5 + 0) || ($4 == "<=" && $3 + 0 <= $5 + 0)) ? "ok" : "MISSED"
        print $1, $2, $3, $4, $5, verdict }' "$WORK/checks.tsv" >>"$WORK/verdicts.tsv"
}

print_table() {
    printf 'Portico bench %s (%s): %s rounds x %ss per target, wrk -t%s -c%s, %s, access logs %s\n\n' \
        "$STARTED" "$COMMIT" "$ROUNDS" "$DURATION" "$WRK_THREADS" "$CONNECTIONS" "$PINNING" \
        "$([[ $ACCESS_LOG == 1 ]] && echo on || echo off)"
    if [[ -s $WORK/summary.tsv ]]; then
        printf '%-9s %-27s %9s %8s %8s %7s %7s %7s\n' scenario target 'req/s' 'p50 ms' 'p99 ms' spread other errors
        awk -F'\t' '{ printf "%-9s %-27s %9.0f %8.3f %8.3f %6.1f%% %6.1f%% %7d\n", $1, $2, $4, $5, $6, $7, $10, $9 }' \
            "$WORK/summary.tsv"
        printf '(medians over the rounds; spread = (max - min) / median req/s; other = CPU used by processes\n'
        printf ' outside the bench while it ran: above ~10%% the machine was busy and the figures are noisy)\n'
    fi
    print_latency_table
    print_streams_table
    if [[ -s $WORK/verdicts.tsv ]]; then
        printf '\n%-9s %-45s %8s %12s\n' scenario 'comparison (paired per round, median)' value target
        awk -F'\t' '{ printf "%-9s %-45s %8s %12s  %s\n", $1, $2, $3, ($4 == "-" ? "" : $4 " " $5), ($6 == "-" ? "" : $6) }' \
            "$WORK/verdicts.tsv"
    fi
    if [[ -s $WORK/skipped.tsv ]]; then
        printf '\n'
        awk -F'\t' '{ printf "skipped %s: %s\n", $1, $2 }' "$WORK/skipped.tsv"
    fi
}

# The fixed-rate runs (lib/loadgen.sh), when there were any.
print_latency_table() {
    [[ -s $WORK/latency-summary.tsv ]] || return 0
    printf '\n%-9s %-34s %6s %7s %7s %7s %7s %7s %7s %7s %7s\n' scenario 'target (fixed rate, open loop)' rate \
        'req/s' 'p50 ms' 'p90 ms' 'p99 ms' 'max ms' 'lag99' other errors
    awk -F'\t' '{ printf "%-9s %-34s %6d %7.0f %7.3f %7.3f %7.3f %7.2f %7.3f %6.1f%% %7d\n", $1, $2, $4, $5, $6, $7, $8, $10, $14, $13, $12 }' \
        "$WORK/latency-summary.tsv"
    printf '(portico_loadgen: %s connections, latency from each request'"'"'s scheduled time; medians over the\n' "$LATENCY_CONNECTIONS"
    printf ' rounds; lag99 = p99 of how late requests left: above ~1 ms the client or a stall delayed them)\n'
}

# The held-streams runs (lib/loadgen.sh), when there were any.
print_streams_table() {
    [[ -s $WORK/streams.tsv ]] || return 0
    printf '\n%-9s %-17s %7s %6s %6s %9s %6s %8s %8s %8s %7s %6s %6s %7s\n' scenario target streams estab held completed \
        errors 'RSS MiB' 'HWM MiB' 'idle MiB' threads fds 'ramp s' 'fe99 ms'
    awk -F'\t' '{ printf "%-9s %-17s %7d %6d %6d %9d %6d %8.1f %8.1f %8.1f %7d %6d %6.1f %7.1f\n", $1, $2, $3, $4, $5, $6, $8, $21, $22, $20, $23, $24, $16, $19 }' \
        "$WORK/streams.tsv"
    awk -F'\t' '{ printf "(%s: server.threads = %d, thread_stack_kib = %d; errors: connect %d, status %d, closed %d, error event %d, timeout %d, protocol %d; %d ended before the hold window closed; %d listen-queue overflows)\n", $2, $25, $26, $9, $10, $11, $12, $13, $14, $7, $27 }' \
        "$WORK/streams.tsv"
    printf '(RSS = peak of VmRSS sampled every 0.5 s while the streams ran, HWM = VmHWM, idle = VmRSS before;\n'
    printf ' threads, fds = peaks of porticod;'
    printf ' fe99 = p99 time from connect to the first event)\n'
}

json_string() {
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "$s"
}

# write_json FILE: the run's settings, machine, per-target medians, comparisons and skips.
write_json() {
    {
        printf '{\n  "started": %s,\n  "commit": %s,\n' "$(json_string "$STARTED")" "$(json_string "$COMMIT")"
        printf '  "machine": {"cpus": %s, "cpu_model": %s, "load_before": %s, "load_after": %s},\n' \
            "$(nproc)" "$(json_string "$CPU_MODEL")" "$(json_string "$LOAD_BEFORE")" \
            "$(json_string "$(cut -d' ' -f1-3 /proc/loadavg)")"
        printf '  "settings": {"rounds": %s, "seconds": %s, "warmup_seconds": %s, "wrk_threads": %s, "connections": %s, "pinning": %s, "access_log": %s},\n' \
            "$ROUNDS" "$DURATION" "$WARMUP" "$WRK_THREADS" "$CONNECTIONS" "$(json_string "$PINNING")" \
            "$([[ $ACCESS_LOG == 1 ]] && echo true || echo false)"
        printf '  "results": [\n'
        awk -F'\t' '{ printf "%s    {\"scenario\": \"%s\", \"target\": \"%s\", \"rounds\": %d, \"rps_median\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"spread_percent\": %.1f, \"requests\": %d, \"errors\": %d, \"other_load_percent\": %.1f, \"rps_rounds\": [%s]}", (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }
            END { if (NR) printf "\n" }' "$WORK/summary.tsv"
        printf '  ],\n  "latency": [\n'
        if [[ -s $WORK/latency-summary.tsv ]]; then
            awk -F'\t' -v c="$LATENCY_CONNECTIONS" '{ printf "%s    {\"scenario\": \"%s\", \"target\": \"%s\", \"rounds\": %d, \"rate_target\": %d, \"connections\": %d, \"rps_median\": %.1f, \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f, \"requests\": %d, \"errors\": %d, \"other_load_percent\": %.1f, \"send_lag_p99_ms\": %.3f}", (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, c, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 }
                END { if (NR) printf "\n" }' "$WORK/latency-summary.tsv"
        fi
        printf '  ],\n  "streams": [\n'
        if [[ -s $WORK/streams.tsv ]]; then
            awk -F'\t' -v names="${STREAMS_COLUMNS[*]}" 'BEGIN { n = split(names, k, " ") }
                { printf "%s    {", (NR > 1 ? ",\n" : "")
                  for (i = 1; i <= n; i++) printf "%s\"%s\": %s", (i > 1 ? ", " : ""), k[i], (i <= 2 ? "\"" $i "\"" : $i + 0)
                  printf "}" }
                END { if (NR) printf "\n" }' "$WORK/streams.tsv"
        fi
        printf '  ],\n  "comparisons": [\n'
        awk -F'\t' '{ printf "%s    {\"scenario\": \"%s\", \"comparison\": \"%s\", \"value\": %s, \"target\": %s, \"verdict\": \"%s\"}", (NR > 1 ? ",\n" : ""), $1, $2, ($3 == "nan" ? "null" : $3), ($4 == "-" ? "null" : "\"" $4 " " $5 "\""), $6 }
            END { if (NR) printf "\n" }' "$WORK/verdicts.tsv"
        printf '  ],\n  "skipped": [\n'
        if [[ -s $WORK/skipped.tsv ]]; then
            awk -F'\t' '{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); printf "%s    {\"scenario\": \"%s\", \"why\": \"%s\"}", (NR > 1 ? ",\n" : ""), $1, $2 }
                END { if (NR) printf "\n" }' "$WORK/skipped.tsv"
        fi
        printf '  ]\n}\n'
    } >"$1"
}

# check_results: every target answered (requests > 0) without errors; in BENCH_STRICT=1 mode,
# every comparison with a target met it too. Prints what failed; non-zero when anything did.
check_results() {
    local failed=0
    [[ -s $WORK/summary.tsv || -s $WORK/latency-summary.tsv || -s $WORK/streams.tsv ]] ||
        { note "no target was measured"; return 1; }
    if [[ -s $WORK/summary.tsv ]]; then
        awk -F'\t' '$8 <= 0 || $9 > 0 { printf "bench: %s/%s: %d requests, %d errors (see %s)\n", $1, $2, $8, $9, work; bad = 1 }
            END { exit bad }' work="$WORK/wrk" "$WORK/summary.tsv" >&2 || failed=1
    fi
    if [[ -s $WORK/latency-summary.tsv ]]; then
        awk -F'\t' '$11 <= 0 || $12 > 0 { printf "bench: %s/%s: %d requests, %d errors (see %s)\n", $1, $2, $11, $12, work; bad = 1 }
            END { exit bad }' work="$WORK/loadgen" "$WORK/latency-summary.tsv" >&2 || failed=1
    fi
    if [[ -s $WORK/streams.tsv ]]; then
        awk -F'\t' '$4 <= 0 || $8 > 0 { printf "bench: %s/%s: %d of %d streams established, %d errors (see %s)\n", $1, $2, $4, $3, $8, work; bad = 1 }
            END { exit bad }' work="$WORK/loadgen" "$WORK/streams.tsv" >&2 || failed=1
    fi
    if [[ $STRICT == 1 ]] && grep -q $'\tMISSED$' "$WORK/verdicts.tsv"; then
        note "bench: targets missed (BENCH_STRICT=1)"
        failed=1
    fi
    return "$failed"
}
