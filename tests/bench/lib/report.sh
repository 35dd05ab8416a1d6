# Results: medians per target, comparisons (ratios and differences), the table on stdout and the
# same as JSON. Reads $WORK/samples.tsv (lib/wrk.sh), $WORK/latency.tsv, $WORK/streams.tsv and
# $WORK/hold.tsv (lib/loadgen.sh), $WORK/pick.tsv (record_pick), $WORK/comparisons.tsv (compare)
# and $WORK/checks.tsv (check_value). Targets are "OP THRESHOLD" with OP one of >= <= > < ("-":
# no target, shown for information).

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
# measured value (no pairing), e.g. how many streams were held. OP "-": no target.
check_value() {
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$WORK/checks.tsv"
}

# require_value SCENARIO LABEL VALUE OP THRESHOLD: check_value for a value that must meet its
# target whatever BENCH_STRICT says, as a request that fails must not happen: one that misses it
# (or could not be measured) fails the run (check_results), with the line in
# $WORK/required-missed.tsv.
require_value() {
    check_value "$@"
    awk -v value="$3" -v op="$4" -v threshold="$5" "$AWK_MET"'BEGIN {
        exit !(value != "nan" && met(value + 0, op, threshold + 0)) }' ||
        printf '%s\t%s = %s, must be %s %s\n' "$1" "$2" "$3" "$4" "$5" >>"$WORK/required-missed.tsv"
}

# The columns of $WORK/streams.tsv, one line per streams run.
# server_threads, stack_kib: porticod's settings (0: not set, its defaults). digest_matched: completed
# streams whose normalised body equals the reference (-1: no reference); digest_distinct: how many
# different normalised bodies the completed streams had; body_bytes_max: the largest raw body.
STREAMS_COLUMNS=(scenario target requested established held completed ended_early errors err_connect
    err_status err_closed err_event err_timeout err_protocol open_peak ramp_s hold_s first_event_p50_ms
    first_event_p99_ms rss_idle_mib rss_mib hwm_mib threads fds server_threads stack_kib listen_overflows
    digest_matched digest_distinct body_bytes_max other_load_percent)

# record_streams SCENARIO TARGET LOADGEN_OUT IDLE_SAMPLE PEAK_SAMPLE SERVER_THREADS STACK_KIB
# LISTEN_OVERFLOWS [OTHER_LOAD]: one line of $WORK/streams.tsv from the load generator's result
# line and the server's /proc samples ("rss_kib hwm_kib threads fds", lib/loadgen.sh) before and
# while the streams were held; OTHER_LOAD: lib/cpu.sh's other load % over the run (-1: not taken).
record_streams() {
    awk -v s="$1" -v t="$2" -v idle="$4" -v peak="$5" -v threads="$6" -v stack="$7" -v overflows="$8" -v other="${9:--1}" '
        $1 == "streams" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            split(idle, a, " "); split(peak, p, " ")
            printf "%s\t%s", s, t
            n = split("requested established held completed ended_early errors err_connect err_status err_closed err_event err_timeout err_protocol open_peak ramp_s hold_s first_event_p50_ms first_event_p99_ms", k, " ")
            for (i = 1; i <= n; i++) printf "\t%s", v[k[i]]
            printf "\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%d\t%d", a[1] / 1024, p[1] / 1024, p[2] / 1024, p[3], p[4], threads, stack, overflows
            printf "\t%d\t%d\t%d\t%s\n", (v["digest_matched"] == "" ? -1 : v["digest_matched"]), v["digest_distinct"], v["body_bytes_max"], other
            found = 1 }
        END { if (!found) { print "no streams result line in " FILENAME > "/dev/stderr"; exit 1 } }' "$3" \
        >>"$WORK/streams.tsv" || die "portico_loadgen printed no streams result:"$'\n'"$(cat "$3")"
}

# stream_value SCENARIO TARGET COLUMN: one value of $WORK/streams.tsv (a name in STREAMS_COLUMNS).
stream_value() { tsv_value "$WORK/streams.tsv" "${STREAMS_COLUMNS[*]}" "$@"; }

# tsv_value FILE "COLUMN NAMES" SCENARIO TARGET COLUMN: the value of COLUMN on the (last) line of
# FILE for SCENARIO and TARGET; "nan" when there is none.
tsv_value() {
    local i
    local -a columns
    read -ra columns <<<"$2"
    for i in "${!columns[@]}"; do
        [[ ${columns[$i]} == "$5" ]] || continue
        awk -F'\t' -v s="$3" -v t="$4" -v c=$((i + 1)) '$1 == s && $2 == t { v = $c } END { print (v == "" ? "nan" : v) }' \
            "$1" 2>/dev/null || echo nan
        return 0
    done
    die "tsv_value: no column '$5' in $1"
}

# The columns of $WORK/hold.tsv, one line per `portico_loadgen hold` run: the load generator's
# figures (README.md), then the server's /proc samples and the listen-queue overflows.
HOLD_KEYS=(idle idle_held idle_held_end idle_ok idle_non200 idle_failed idle_timeouts idle_closed_by_server slow slow_held
    slow_open_end slow_connects slow_connect_errors slow_closes slow_408 slow_first_408 slow_never_closed
    slow_close_p50_s slow_close_min_s slow_close_max_s fresh fresh_started fresh_ok fresh_non200 fresh_failed
    fresh_timeouts fresh_closed fresh_connect_errors fresh_p50_ms fresh_p99_ms fresh_max_ms ramp_s run_s
    cut_short)
HOLD_COLUMNS=(scenario target "${HOLD_KEYS[@]}" rss_idle_mib rss_mib hwm_mib threads fds listen_overflows
    other_load_percent)

# record_hold SCENARIO TARGET LOADGEN_OUT IDLE_SAMPLE PEAK_SAMPLE LISTEN_OVERFLOWS OTHER_LOAD: one
# line of $WORK/hold.tsv (samples: "rss_kib hwm_kib threads fds", lib/loadgen.sh; other load %:
# lib/cpu.sh).
record_hold() {
    awk -v s="$1" -v t="$2" -v idle="$4" -v peak="$5" -v overflows="$6" -v other="$7" -v keys="${HOLD_KEYS[*]}" '
        $1 == "hold" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            split(idle, a, " "); split(peak, p, " ")
            printf "%s\t%s", s, t
            n = split(keys, k, " ")
            for (i = 1; i <= n; i++) printf "\t%s", (v[k[i]] == "" ? "nan" : v[k[i]])
            printf "\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%s\n", a[1] / 1024, p[1] / 1024, p[2] / 1024, p[3], p[4], overflows, other
            found = 1 }
        END { if (!found) { print "no hold result line in " FILENAME > "/dev/stderr"; exit 1 } }' "$3" \
        >>"$WORK/hold.tsv" || die "portico_loadgen printed no hold result:"$'\n'"$(cat "$3")"
}

# hold_value SCENARIO TARGET COLUMN: one value of $WORK/hold.tsv (a name in HOLD_COLUMNS).
hold_value() { tsv_value "$WORK/hold.tsv" "${HOLD_COLUMNS[*]}" "$@"; }

# The columns of $WORK/pick.tsv, one line per figure of routing_pick_bench (a strategy on 1 or 2
# threads): the program's figures (ns per choice, per thread; plugins/openai/routing/bench), then
# lib/cpu.sh's other load % over its run.
PICK_KEYS=(strategy threads groups deployments rounds iterations median_ns min_ns max_ns cpu_median_ns)
PICK_COLUMNS=(scenario "${PICK_KEYS[@]}" other_load_percent)

# record_pick SCENARIO PICK_OUT OTHER_LOAD: a line of $WORK/pick.tsv for every "pick name=value..."
# line of routing_pick_bench's output.
record_pick() {
    awk -v s="$1" -v other="$3" -v keys="${PICK_KEYS[*]}" '
        $1 == "pick" { delete v
            for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            printf "%s", s
            n = split(keys, k, " ")
            for (i = 1; i <= n; i++) printf "\t%s", (v[k[i]] == "" ? "nan" : v[k[i]])
            printf "\t%s\n", other
            found = 1 }
        END { if (!found) { print "no pick result line in " FILENAME > "/dev/stderr"; exit 1 } }' "$2" \
        >>"$WORK/pick.tsv" || die "routing_pick_bench printed no result:"$'\n'"$(cat "$2")"
}

# pick_value SCENARIO STRATEGY THREADS COLUMN: one value of $WORK/pick.tsv (a name in PICK_COLUMNS);
# "nan" when there is none.
pick_value() {
    local i
    for i in "${!PICK_COLUMNS[@]}"; do
        [[ ${PICK_COLUMNS[$i]} == "$4" ]] || continue
        awk -F'\t' -v s="$1" -v st="$2" -v t="$3" -v c=$((i + 1)) '$1 == s && $2 == st && $3 == t { v = $c }
            END { print (v == "" ? "nan" : v) }' "$WORK/pick.tsv" 2>/dev/null || echo nan
        return 0
    done
    die "pick_value: no column '$4'"
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
# p50, p90, p99, p99.9, max (ms), then requests, errors, median other load %, median send lag p99,
# connections.
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
            { n++; rate = $4; req += $11; err += $12; conns = $15 }
            END { split(m, v, " "); print s, t, n, rate, v[1], v[2], v[3], v[4], v[5], v[6], req, err, v[7], v[8], conns }' \
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
    awk -F'\t' -v OFS='\t' "$AWK_MET"'
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
              verdict = met(value + 0, $7, $8 + 0) ? "ok" : "MISSED"
          print $1, $2, value, $7, $8, verdict }' "$WORK/paired.tsv" "$WORK/comparisons.tsv" >>"$WORK/verdicts.tsv"
}

# evaluate_checks: the check_value lines into $WORK/verdicts.tsv, in the same layout. A value
# that could not be measured ("nan") misses its target.
evaluate_checks() {
    [[ -s $WORK/checks.tsv ]] || return 0
    awk -F'\t' -v OFS='\t' "$AWK_MET"'{
        verdict = "-"
        if ($4 != "-")
            verdict = ($3 != "nan" && met($3 + 0, $4, $5 + 0)) ? "ok" : "MISSED"
        print $1, $2, $3, $4, $5, verdict }' "$WORK/checks.tsv" >>"$WORK/verdicts.tsv"
}

# An awk function: whether VALUE meets "OP THRESHOLD".
AWK_MET='function met(value, op, threshold) {
    return (op == ">=" && value >= threshold) || (op == "<=" && value <= threshold) ||
           (op == ">" && value > threshold) || (op == "<" && value < threshold) }
'


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
    print_hold_table
    print_pick_table
    if [[ -s $WORK/verdicts.tsv ]]; then
        printf '\n%-10s %-50s %9s %12s\n' scenario 'comparison (paired per round, median) or check' value target
        awk -F'\t' '{ printf "%-10s %-50s %9s %12s  %s\n", $1, $2, $3, ($4 == "-" ? "" : $4 " " $5), ($6 == "-" ? "" : $6) }' \
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
    # The connections: the first row's number, and a scenario's own where it differs (failover).
    local connections
    connections=$(awk -F'\t' 'NR == 1 { c = $15 } $15 != c && !seen[$1]++ { other = other sprintf("%s%s: %s", (other == "" ? "" : ", "), $1, $15) }
        END { print c " connections" (other == "" ? "" : " (" other ")") }' "$WORK/latency-summary.tsv")
    printf '(portico_loadgen: %s, latency from each request'"'"'s scheduled time; medians over the\n' "$connections"
    printf ' rounds; lag99 = p99 of how late requests left: above ~1 ms the client or a stall delayed them)\n'
}

# The held-streams runs (lib/loadgen.sh), when there were any.
print_streams_table() {
    [[ -s $WORK/streams.tsv ]] || return 0
    printf '\n%-10s %-16s %7s %6s %6s %6s %9s %6s %6s %8s %8s %8s %7s %6s %6s %7s %6s\n' scenario target streams estab held \
        peak completed errors same 'RSS MiB' 'HWM MiB' 'idle MiB' threads fds 'ramp s' 'fe99 ms' other
    awk -F'\t' '{ printf "%-10s %-16s %7d %6d %6d %6d %9d %6d %6s %8.1f %8.1f %8.1f %7d %6d %6.1f %7.1f %6s\n", $1, $2, $3, $4, $5, $15, $6, $8, ($28 < 0 ? "-" : $28), $21, $22, $20, $23, $24, $16, $19, ($31 == "" || $31 < 0 ? "-" : sprintf("%.1f%%", $31)) }' \
        "$WORK/streams.tsv"
    awk -F'\t' '{ settings = ($25 == 0 && $26 == 0) ? "porticod'"'"'s default threads and stack" : sprintf("server.threads = %d, thread_stack_kib = %d", $25, $26)
        printf "(%s: %s; errors: connect %d, status %d, closed %d, error event %d, timeout %d, protocol %d; ", $2, settings, $9, $10, $11, $12, $13, $14
        if ($17 > 0) printf "%d ended before the hold window closed; ", $7
        printf "%d listen-queue overflows", $27
        if ($28 >= 0) printf "; %d different normalised bodies, at most %d bytes", $29, $30
        printf ")\n" }' "$WORK/streams.tsv"
    printf '(peak = most streams established and open at once; same = completed streams whose body, ids and\n'
    printf ' timestamps normalised, equals the reference stream'"'"'s (-: not compared); RSS = peak of VmRSS sampled\n'
    printf ' every 0.5 s while the streams ran, HWM = VmHWM, idle = VmRSS before; threads, fds = peaks of porticod;\n'
    printf ' fe99 = p99 time from connect to the first event; other = CPU used outside the bench meanwhile)\n'
}

# The held-connections runs (scenarios/slowloris.sh), when there were any.
print_hold_table() {
    [[ -s $WORK/hold.tsv ]] || return 0
    # Column numbers in hold.tsv: 2 + the index in HOLD_KEYS, then the samples.
    local -A c=()
    local i
    for i in "${!HOLD_COLUMNS[@]}"; do c[${HOLD_COLUMNS[$i]}]=$((i + 1)); done
    printf '\n%-10s %-16s %6s %6s %5s %5s %5s %5s %5s %8s %8s %8s %8s %8s %7s %6s %6s\n' scenario target idle held slow held \
        fresh ok fail 'p50 ms' 'p99 ms' 'max ms' 'RSS MiB' 'HWM MiB' threads fds other
    awk -F'\t' -v idle="${c[idle]}" -v held="${c[idle_held]}" -v slow="${c[slow]}" -v sheld="${c[slow_held]}" \
        -v fresh="${c[fresh]}" -v ok="${c[fresh_ok]}" -v non200="${c[fresh_non200]}" -v failed="${c[fresh_failed]}" \
        -v p50="${c[fresh_p50_ms]}" -v p99="${c[fresh_p99_ms]}" -v max="${c[fresh_max_ms]}" -v rss="${c[rss_mib]}" \
        -v hwm="${c[hwm_mib]}" -v threads="${c[threads]}" -v fds="${c[fds]}" -v other="${c[other_load_percent]}" '
        function ms(x) { return x == "nan" ? "-" : sprintf("%.3f", x) }
        { printf "%-10s %-16s %6d %6d %5d %5d %5d %5d %5d %8s %8s %8s %8.1f %8.1f %7d %6d %5.1f%%\n", $1, $2, $idle, $held,
              $slow, $sheld, $fresh, $ok, $failed + $non200, ms($p50), ms($p99), ms($max), $rss, $hwm, $threads, $fds, $other }' "$WORK/hold.tsv"
    awk -F'\t' -v first408="${c[slow_first_408]}" -v never="${c[slow_never_closed]}" -v closes="${c[slow_closes]}" \
        -v s408="${c[slow_408]}" -v cp50="${c[slow_close_p50_s]}" -v cmin="${c[slow_close_min_s]}" \
        -v cmax="${c[slow_close_max_s]}" -v cerr="${c[slow_connect_errors]}" -v connects="${c[slow_connects]}" \
        -v ifail="${c[idle_failed]}" -v itime="${c[idle_timeouts]}" -v inon="${c[idle_non200]}" -v iclosed="${c[idle_closed_by_server]}" \
        -v iend="${c[idle_held_end]}" -v send="${c[slow_open_end]}" -v timeouts="${c[fresh_timeouts]}" \
        -v fclosed="${c[fresh_closed]}" -v fconn="${c[fresh_connect_errors]}" -v non200="${c[fresh_non200]}" \
        -v ramp="${c[ramp_s]}" -v run="${c[run_s]}" -v cut="${c[cut_short]}" -v over="${c[listen_overflows]}" -v slow="${c[slow]}" '
        function s(x) { return x == "nan" ? "-" : sprintf("%.2f", x) }
        { printf "(%s: slow clients: %d of %d first connections answered 408, %d still open at the end; %d closes in all (%d connects), %d with a 408, %s s median after the connect (%s to %s s); %d slow connects failed; %d open at the end.\n", $2, $first408, $slow, $never, $closes, $connects, $s408, s($cp50), s($cmin), s($cmax), $cerr, $send
          printf " idle: %d failed (%d of them unanswered in time, the rest closed or refused), %d answered non-200, %d closed by the server after their answer, %d still held at the end. fresh: %d timed out, %d closed unanswered, %d not connected, %d non-200. ramp %.1f s, run %.1f s%s; %d listen-queue overflows)\n", $ifail, $itime, $inon, $iclosed, $iend, $timeouts, $fclosed, $fconn, $non200, $ramp, $run, ($cut == 1 ? " (cut short by its time bound)" : ""), $over }' "$WORK/hold.tsv"
    printf '(held = idle connections answered 200 and open, slow ones connected and unanswered, when the fresh\n'
    printf ' requests began; ok / fail = fresh GET /healthz on new connections answered 200 / not (timeouts,\n'
    printf ' closes, other statuses); p50/p99/max = fresh latency from connect to the whole answer (answered ones);\n'
    printf ' RSS, HWM, threads, fds = peaks of porticod sampled every 0.5 s; other = CPU used outside the bench\n'
    printf ' meanwhile: above ~10%% the machine was busy and latencies are noisy)\n'
}

# The deployment-choice figures (routing_pick_bench, scenarios/routing.sh), when there were any.
print_pick_table() {
    [[ -s $WORK/pick.tsv ]] || return 0
    printf '\n%-10s %-32s %7s %9s %8s %8s %8s %7s\n' scenario 'choosing a deployment: strategy' threads 'median ns' \
        'min ns' 'max ns' 'cpu ns' other
    awk -F'\t' '{ printf "%-10s %-32s %7d %9.1f %8.1f %8.1f %8.1f %6.1f%%\n", $1, $2 " (" $4 " groups x " $5 ")", $3, $8, $9, $10, $11, $12 }' \
        "$WORK/pick.tsv"
    awk -F'\t' 'NR == 1 { printf "(routing_pick_bench: Router::find + Clock::now + Router::pick + succeeded + finished per choice, in\n"
        printf " ns per thread: median, min, max over %d rounds of %d choices per loop; cpu = the threads'"'"' own CPU\n", $6, $7 }' \
        "$WORK/pick.tsv"
    printf ' time per choice (median); 2 threads = two loops at once (pinned: server and client CPU); other =\n'
    printf ' CPU used outside the bench during the program'"'"'s whole run: above ~10%% wall figures are noisy)\n'
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
            awk -F'\t' '{ printf "%s    {\"scenario\": \"%s\", \"target\": \"%s\", \"rounds\": %d, \"rate_target\": %d, \"connections\": %d, \"rps_median\": %.1f, \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f, \"requests\": %d, \"errors\": %d, \"other_load_percent\": %.1f, \"send_lag_p99_ms\": %.3f}", (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, $15, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 }
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
        printf '  ],\n  "hold": [\n'
        if [[ -s $WORK/hold.tsv ]]; then
            awk -F'\t' -v names="${HOLD_COLUMNS[*]}" 'BEGIN { n = split(names, k, " ") }
                { printf "%s    {", (NR > 1 ? ",\n" : "")
                  for (i = 1; i <= n; i++) printf "%s\"%s\": %s", (i > 1 ? ", " : ""), k[i], (i <= 2 ? "\"" $i "\"" : ($i == "nan" ? "null" : $i + 0))
                  printf "}" }
                END { if (NR) printf "\n" }' "$WORK/hold.tsv"
        fi
        printf '  ],\n  "pick": [\n'
        if [[ -s $WORK/pick.tsv ]]; then
            awk -F'\t' -v names="${PICK_COLUMNS[*]}" 'BEGIN { n = split(names, k, " ") }
                { printf "%s    {", (NR > 1 ? ",\n" : "")
                  for (i = 1; i <= n; i++) printf "%s\"%s\": %s", (i > 1 ? ", " : ""), k[i], (i <= 2 ? "\"" $i "\"" : ($i == "nan" ? "null" : $i + 0))
                  printf "}" }
                END { if (NR) printf "\n" }' "$WORK/pick.tsv"
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
    [[ -s $WORK/summary.tsv || -s $WORK/latency-summary.tsv || -s $WORK/streams.tsv || -s $WORK/hold.tsv ||
        -s $WORK/pick.tsv ]] ||
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
    if [[ -s $WORK/hold.tsv ]]; then
        # Errors of a hold run: idle or fresh requests that were not answered 200. (Slow clients
        # are expected to be cut off; how is a target, not an error.)
        local -A c=()
        local i
        for i in "${!HOLD_COLUMNS[@]}"; do c[${HOLD_COLUMNS[$i]}]=$((i + 1)); done
        awk -F'\t' -v ifail="${c[idle_failed]}" -v inon="${c[idle_non200]}" -v ffail="${c[fresh_failed]}" \
            -v fnon="${c[fresh_non200]}" -v work="$WORK/loadgen" '
            $ifail + $inon + $ffail + $fnon > 0 { printf "bench: %s/%s: %d idle and %d fresh requests not answered 200 (see %s)\n", $1, $2, $ifail + $inon, $ffail + $fnon, work; bad = 1 }
            END { exit bad }' "$WORK/hold.tsv" >&2 || failed=1
    fi
    if [[ -s $WORK/required-missed.tsv ]]; then
        awk -F'\t' '{ printf "bench: %s: %s\n", $1, $2 }' "$WORK/required-missed.tsv" >&2
        failed=1
    fi
    if [[ $STRICT == 1 ]] && grep -q $'\tMISSED$' "$WORK/verdicts.tsv"; then
        note "bench: targets missed (BENCH_STRICT=1)"
        failed=1
    fi
    return "$failed"
}
