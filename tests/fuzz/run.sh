#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses (tests/fuzz/harnesses, a clang-only CMake project).
#
#   tests/fuzz/run.sh build <fuzz-build-dir>
#   tests/fuzz/run.sh run   <fuzz-build-dir> <harness> <seconds>     e.g. run build/fuzz-clang fuzz_config 10
#   tests/fuzz/run.sh all   <fuzz-build-dir> <seconds>               build, then every harness
#
# A run starts from the committed seeds (tests/fuzz/corpus/<harness>) plus what earlier runs in
# the same build dir found (<fuzz-build-dir>/corpus/<harness>; new finds go there, never into
# the source tree). A crash leaves its input in <fuzz-build-dir>/artifacts/<harness>/ and the
# exit code is non-zero. Exit code 77 (ctest: skipped) when clang or libFuzzer is missing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HARNESSES=(fuzz_config fuzz_http_head fuzz_traceparent_json fuzz_chat_request fuzz_responses_request fuzz_embeddings_request
           fuzz_request_peek fuzz_usage_scanner fuzz_sse_framer fuzz_messages_scan)

need_clang() {
  local cxx="${FUZZ_CXX:-clang++}"
  if ! command -v "$cxx" >/dev/null 2>&1; then
    echo "SKIPPED: $cxx is not installed (Debian: apt-get install clang libclang-rt-14-dev; scripts/dev.sh deps does it)"
    exit 77
  fi
  local runtime
  runtime="$("$cxx" -print-runtime-dir 2>/dev/null || true)"
  if ! ls "$runtime"/libclang_rt.fuzzer*.a >/dev/null 2>&1 &&
     ! ls "$("$cxx" -print-resource-dir)"/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
    echo "SKIPPED: $cxx has no libFuzzer runtime (Debian: apt-get install libclang-rt-14-dev; scripts/dev.sh deps does it)"
    exit 77
  fi
}

build() {
  local dir="$1"
  need_clang
  local cc="${FUZZ_CC:-clang}" cxx="${FUZZ_CXX:-clang++}"
  # Configure once per compiler; a gcc-configured dir is never reused.
  if [[ ! -f "$dir/CMakeCache.txt" ]]; then
    CC="$cc" CXX="$cxx" cmake -S "$HERE/harnesses" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$dir" -j "${FUZZ_JOBS:-2}"
}

run() {
  local dir="$1" harness="$2" seconds="$3"
  need_clang
  [[ -x "$dir/$harness" ]] || { echo "$dir/$harness is not built (run.sh build $dir)"; exit 1; }
  local corpus="$dir/corpus/$harness" artifacts="$dir/artifacts/$harness/"
  mkdir -p "$corpus" "$artifacts"
  local dict=() dictFile="$HERE/dict/$harness.dict"
  [[ "$harness" == *_request || "$harness" == fuzz_request_peek ]] && dictFile="$HERE/dict/json.dict"
  [[ -f "$dictFile" ]] && dict=(-dict="$dictFile")
  local seeds=("$HERE/corpus/$harness")
  # The example configs are seeds for the config readers too.
  [[ "$harness" == fuzz_config ]] && seeds+=("$HERE/../../config")
  echo "== $harness for ${seconds}s (seeds: ${seeds[*]})"
  # -timeout: one input may take at most 10 s; -rss_limit_mb bounds memory; -max_len bounds
  # input size (request bodies and configs are small). Leaks are checked (detect_leaks=1).
  # -error_exitcode=1: libFuzzer's default (77) is ctest's "skipped".
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
    "$dir/$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$artifacts" "${dict[@]}" "$corpus" "${seeds[@]}"
}

case "${1:-}" in
  build) build "$2" ;;
  run) run "$2" "$3" "$4" ;;
  all)
    build "$2"
    for harness in "${HARNESSES[@]}"; do run "$2" "$harness" "$3"; done
    ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
