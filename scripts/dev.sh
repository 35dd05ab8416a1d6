#!/usr/bin/env bash
# Portico developer entry point. Every command installs what it needs first, so each one works
# on a fresh Debian 12 machine:
#
#   scripts/dev.sh deps      install the Debian packages (and npm packages for the conformance suite
#                            and the browser test)
#   scripts/dev.sh build     configure + build into build/, install into build/stage
#   scripts/dev.sh run       build, then run porticod on the built-in local backend (127.0.0.1:8000)
#   scripts/dev.sh test      build, then run every test with ctest
#   scripts/dev.sh bench     build, then run the benchmarks (tests/bench/run.sh)
#   scripts/dev.sh package   build, then make the .deb and the .rpm (CPack) in <build>/packages
#   scripts/dev.sh openapi   build, then regenerate docs/openapi/portico.json from config/portico.ini
#   scripts/dev.sh sanitize  ASan+UBSan build running the whole suite (but the fuzz and bench
#                            labels), then a TSan build running the concurrency tests (ctest -L
#                            concurrency); any sanitizer report fails it; prints each one's time
#   scripts/dev.sh ci        what CI runs (.ci/run): test (fuzz entries included; skipping them
#                            fails CI), then sanitize; both always run, either failing fails CI
#   scripts/dev.sh fuzz      clang libFuzzer build (tests/fuzz), each harness FUZZ_SECONDS (300)
#   scripts/dev.sh soak      build, then the soak for SOAK_SECONDS (300) (tests/soak/README.md)
#
# Environment: BUILD_DIR (default build), BUILD_TYPE (default RelWithDebInfo),
# PORTICO_SANITIZE (e.g. address,undefined or thread: a sanitizer build in build-<name>),
# CTEST_ARGS (extra ctest arguments, e.g. "-R conformance" or "-L unit"),
# ASAN_BUILD_DIR / TSAN_BUILD_DIR (sanitize; default build-address-undefined, build-thread),
# BUILD_TARGET (one cmake target instead of all, e.g. portico_tests_concurrency: a label's tests
# and what they need), FUZZ_SECONDS (fuzz, per harness), SOAK_SECONDS (soak).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
SANITIZE="${PORTICO_SANITIZE:-}"
if [[ -n "$SANITIZE" ]]; then
  BUILD_DIR="${BUILD_DIR:-$ROOT/build-${SANITIZE//,/-}}"
else
  BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
fi
JOBS="$(nproc 2>/dev/null || echo 2)"

# Debian packages the build, the tests and the benchmarks need.
PACKAGES=(
  build-essential cmake pkg-config git ca-certificates curl
  libpoco-dev libcppunit-dev prometheus-cpp-dev libsystemd-dev
  nodejs npm openssl chromium fonts-liberation
  wrk nginx-light redis-server prometheus sqlite3
  dpkg-dev file rpm systemd strace
  clang libclang-rt-14-dev
  protobuf-compiler libprotobuf-dev
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

cmd_deps() {
  local missing=()
  for package in "${PACKAGES[@]}"; do
    # node may come from elsewhere (nodesource, nvm): accept any node >= 18 with npm.
    if [[ "$package" == nodejs || "$package" == npm ]] && command -v node >/dev/null && command -v npm >/dev/null; then
      continue
    fi
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  # The packaged redis/nginx/prometheus services are not used: tests start their own on
  # 127.0.0.1 with free ports.
  if [[ -f "$ROOT/tests/conformance/package-lock.json" && ! -d "$ROOT/tests/conformance/node_modules" ]]; then
    log "installing the conformance suite's npm packages (npm ci)"
    (cd "$ROOT/tests/conformance" && npm ci --no-audit --no-fund)
  fi
  if [[ -f "$ROOT/tests/browser/package-lock.json" && ! -d "$ROOT/tests/browser/node_modules" ]]; then
    log "installing the browser test's npm packages: puppeteer-core, openai (npm ci)"
    (cd "$ROOT/tests/browser" && npm ci --no-audit --no-fund)
  fi
  if [[ -f "$ROOT/tests/openapi/package-lock.json" && ! -d "$ROOT/tests/openapi/node_modules" ]]; then
    log "installing the OpenAPI validator (npm ci)"
    (cd "$ROOT/tests/openapi" && npm ci --no-audit --no-fund)
  fi
}

cmd_build() {
  cmd_deps
  # Prefix /usr: porticod's built-in paths (/etc/portico/portico.ini) are the packages' ones.
  # The stage install and the tests pass their own prefix.
  local cmake_args=(-S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DCMAKE_INSTALL_PREFIX=/usr)
  [[ -n "$SANITIZE" ]] && cmake_args+=(-DPORTICO_SANITIZE="$SANITIZE")
  log "configuring $BUILD_DIR ($BUILD_TYPE${SANITIZE:+, sanitize=$SANITIZE})"
  cmake "${cmake_args[@]}" >/dev/null
  log "building ${BUILD_TARGET:-all} with $JOBS jobs"
  cmake --build "$BUILD_DIR" -j "$JOBS" ${BUILD_TARGET:+--target "$BUILD_TARGET"}
  log "installing into $BUILD_DIR/stage"
  cmake --install "$BUILD_DIR" --prefix "$BUILD_DIR/stage" >/dev/null
}

cmd_run() {
  cmd_build
  local config="${PORTICO_CONFIG:-$BUILD_DIR/stage/etc/portico/portico.ini}"
  log "starting porticod with $config (Ctrl-C stops it)"
  exec "$BUILD_DIR/stage/sbin/porticod" --config="$config"
}

cmd_test() {
  cmd_build
  log "running the tests"
  cd "$BUILD_DIR"
  # shellcheck disable=SC2086
  ctest --output-on-failure --timeout 600 ${CTEST_ARGS:-}
}

cmd_bench() {
  cmd_build
  exec "$ROOT/tests/bench/run.sh" "$BUILD_DIR"
}

cmd_package() {
  cmd_build
  log "packaging into $BUILD_DIR/packages"
  cpack --config "$BUILD_DIR/CPackConfig.cmake" -B "$BUILD_DIR/packages"
  ls -l "$BUILD_DIR"/packages/*.deb "$BUILD_DIR"/packages/*.rpm
}

# Sanitizer reports of every process (tests and the porticod they start) go to files in
# <build>/sanitizer-logs, so that a report from a child process is never lost in a temp dir;
# any report there fails the run.
sanitized_ctest() {
  local build="$1" kind="$2"
  shift 2
  local logs="$build/sanitizer-logs"
  rm -rf "$logs" && mkdir -p "$logs"
  local status=0
  (
    cd "$build"
    # Leaks: porticod never unloads plugins and leaves stuck handlers to the process exit by
    # design; LeakSanitizer runs on the test executables and on porticod exiting normally.
    export ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:abort_on_error=0:halt_on_error=1"
    export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1"
    # Debian's Poco is not instrumented, so TSan cannot see the atomic reference counts inside
    # it: the accept thread dropping its copy of a socket that a worker has finished with (and
    # so freeing it) reads as a race with the worker's last use. Only that is suppressed.
    printf '%s\n' 'race:Poco::Net::TCPServer::run' >"$build/tsan.supp"
    export TSAN_OPTIONS="log_path=$logs/tsan:halt_on_error=0:second_deadlock_stack=1:suppressions=$build/tsan.supp"
    # shellcheck disable=SC2086
    ctest --output-on-failure --timeout 900 "$@" ${CTEST_ARGS:-}
  ) || status=$?
  if compgen -G "$logs/*" >/dev/null; then
    log "$kind: sanitizer reports in $logs:"
    head -n 60 "$logs"/* >&2
    status=1
  fi
  return "$status"
}

cmd_sanitize() {
  local started asan_seconds tsan_seconds status=0
  started=$(date +%s)
  BUILD_DIR="${ASAN_BUILD_DIR:-$ROOT/build-address-undefined}" SANITIZE=address,undefined cmd_build
  # Left out: the fuzz entries (they build their own ASan+UBSan clang project) and the benches
  # (their figures, RSS per bucket and the like, mean nothing under ASan's quarantine).
  sanitized_ctest "${ASAN_BUILD_DIR:-$ROOT/build-address-undefined}" "ASan+UBSan" -LE 'fuzz|bench' || status=1
  asan_seconds=$(($(date +%s) - started))
  started=$(date +%s)
  # Only what the concurrency tests run: their executables, their fixtures and what is installed.
  BUILD_DIR="${TSAN_BUILD_DIR:-$ROOT/build-thread}" SANITIZE=thread BUILD_TARGET=portico_tests_concurrency cmd_build
  sanitized_ctest "${TSAN_BUILD_DIR:-$ROOT/build-thread}" "TSan" -L concurrency || status=1
  tsan_seconds=$(($(date +%s) - started))
  log "ASan+UBSan build + whole suite: ${asan_seconds}s; TSan build + concurrency tests: ${tsan_seconds}s"
  return "$status"
}

# CI: each part in a process of its own (so that set -e holds inside it), the second run even
# when the first failed, so that one CI run reports both. The normal suite holds the short
# libFuzzer runs (ctest label fuzz); they skip (exit 77) without clang, which CI must not
# accept, so a skipped fuzz entry fails it.
cmd_ci() {
  local started test_seconds sanitize_seconds status=0
  local test_log="$BUILD_DIR/ci-test.log"
  mkdir -p "$BUILD_DIR"
  started=$(date +%s)
  "$ROOT/scripts/dev.sh" test 2>&1 | tee "$test_log" || status=1
  if grep -E '^[[:space:]]*[0-9]+ - fuzz_[a-z_]+ \(Skipped\)' "$test_log" >&2; then
    log "ci: fuzz entries were skipped (clang or libFuzzer missing): CI requires them"
    status=1
  fi
  test_seconds=$(($(date +%s) - started))
  started=$(date +%s)
  local sanitize_log="$BUILD_DIR/ci-sanitize.log"
  "$ROOT/scripts/dev.sh" sanitize 2>&1 | tee "$sanitize_log" || status=1
  sanitize_seconds=$(($(date +%s) - started))
  # The closing lines: the verdict, then each ctest run's own summary line (its real count):
  # ASan+UBSan, TSan, and last the whole suite's, as `scripts/dev.sh test` ends with it.
  local summary='tests passed, [0-9]+ tests? failed out of [0-9]+'
  log "ci: $([[ $status -eq 0 ]] && echo passed || echo FAILED); test (build + whole suite with fuzz): ${test_seconds}s; sanitize (ASan+UBSan suite, then TSan concurrency tests): ${sanitize_seconds}s"
  grep -h -E "$summary" "$sanitize_log" | sed 's/^/sanitize: /' || true
  grep -h -E "$summary" "$test_log" | tail -n 1 || true
  return "$status"
}

cmd_fuzz() {
  cmd_deps
  "$ROOT/tests/fuzz/run.sh" all "${FUZZ_BUILD_DIR:-$BUILD_DIR/fuzz-clang}" "${FUZZ_SECONDS:-300}"
}

cmd_soak() {
  cmd_build
  cd "$BUILD_DIR"
  PORTICO_SOAK_SECONDS="${SOAK_SECONDS:-300}" ctest --output-on-failure --verbose -R '^soak_mixed_load$'
}

# The checked-in OpenAPI document is the one porticod generates for config/portico.ini; the
# ctest openapi_document_current fails until this is re-run after an API change.
cmd_openapi() {
  cmd_build
  local out="$ROOT/docs/openapi/portico.json"
  mkdir -p "$(dirname "$out")"
  "$BUILD_DIR/stage/sbin/porticod" --config="$ROOT/config/portico.ini" --openapi >"$out.tmp"
  mv "$out.tmp" "$out"
  log "wrote $out"
}

usage() {
  sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

case "${1:-}" in
  deps) cmd_deps ;;
  build) cmd_build ;;
  run) cmd_run ;;
  test) cmd_test ;;
  bench) cmd_bench ;;
  package) cmd_package ;;
  openapi) cmd_openapi ;;
  sanitize) cmd_sanitize ;;
  ci) cmd_ci ;;
  fuzz) cmd_fuzz ;;
  soak) cmd_soak ;;
  -h|--help|help) usage 0 ;;
  *) usage 2 ;;
esac
