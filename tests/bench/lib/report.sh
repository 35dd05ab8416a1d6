# Results: medians per target, comparisons (ratios and differences), the table on stdout and the
# same as JSON. Reads $WORK/samples.tsv (lib/wrk.sh) and $WORK/comparisons.tsv (compare).

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

# evaluate: every comparison into $WORK/verdicts.tsv: scenario, label, value, op, threshold,
# verdict (ok, MISSED, or - without a threshold). The value is paired: A/B (or A-B) within each
# round, where the two ran seconds apart, then the median over the rounds. That cancels most of
# a shared machine's drifting load, which a ratio of two medians would not.
evaluate() {
    : >"$WORK/verdicts.tsv"
    [[ -s $WORK/comparisons.tsv && -s $WORK/samples.tsv ]] || return 0
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
          print $1, $2, value, $7, $8, verdict }' "$WORK/samples.tsv" "$WORK/comparisons.tsv" >"$WORK/verdicts.tsv"
}

print_table() {
    printf 'Portico bench %s (%s): %s rounds x %ss per target, wrk -t%s -c%s, %s, access logs %s\n\n' \
        "$STARTED" "$COMMIT" "$ROUNDS" "$DURATION" "$WRK_THREADS" "$CONNECTIONS" "$PINNING" \
        "$([[ $ACCESS_LOG == 1 ]] && echo on || echo off)"
    printf '%-9s %-27s %9s %8s %8s %7s %7s %7s\n' scenario target 'req/s' 'p50 ms' 'p99 ms' spread other errors
    awk -F'\t' '{ printf "%-9s %-27s %9.0f %8.3f %8.3f %6.1f%% %6.1f%% %7d\n", $1, $2, $4, $5, $6, $7, $10, $9 }' \
        "$WORK/summary.tsv"
    printf '(medians over the rounds; spread = (max - min) / median req/s; other = CPU used by processes\n'
    printf ' outside the bench while it ran: above ~10%% the machine was busy and the figures are noisy)\n'
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
    [[ -s $WORK/summary.tsv ]] || { note "no target was measured"; return 1; }
    awk -F'\t' '$8 <= 0 || $9 > 0 { printf "bench: %s/%s: %d requests, %d errors (see %s)\n", $1, $2, $8, $9, work; bad = 1 }
        END { exit bad }' work="$WORK/wrk" "$WORK/summary.tsv" >&2 || failed=1
    if [[ $STRICT == 1 ]] && grep -q $'\tMISSED$' "$WORK/verdicts.tsv"; then
        note "bench: targets missed (BENCH_STRICT=1)"
        failed=1
    fi
    return "$failed"
}
