#!/usr/bin/env bash
# package_deb_rpm: builds the .deb and the .rpm from a build tree with cpack, installs the .deb on
# this machine, runs the installed porticod as the service user with the installed config,
# re-installs over a locally edited config (the upgrade path), purges and checks that nothing is
# left; then inspects the .rpm's files, config files, scripts and dependencies with rpm -qp.
#
#   package_test.sh BUILD_DIR CPACK VERSION
#
# Needs root (it installs a package system-wide): exits 77 (ctest: skipped) otherwise. A portico
# package already installed (e.g. left by an interrupted run) is purged first.
set -euo pipefail

BUILD_DIR="$1"
CPACK="$2"
VERSION="$3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=assert.sh
source "$HERE/assert.sh"
# shellcheck source=syscalls.sh
source "$HERE/syscalls.sh"

if [[ "$(id -u)" -ne 0 ]]; then
    echo "package_deb_rpm installs a package system-wide and needs root: skipped"
    exit 77
fi
for tool in dpkg dpkg-deb rpm rpmbuild systemd-analyze curl setpriv perl; do
    command -v "$tool" >/dev/null || fail "$tool is missing (scripts/dev.sh deps installs it)"
done

WORK="$(mktemp -d /tmp/portico-package-test.XXXXXX)"
chmod 0755 "$WORK" # the service user reads the test's config from here
PORTICOD_PID=""
TEST_OVERRIDE=/etc/portico/conf.d/99-package-test.ini

package_state() { dpkg-query -W -f='${db:Status-Status}' portico 2>/dev/null || true; }

purge_package() {
    if [[ -n "$(package_state)" && "$(package_state)" != "not-installed" ]]; then
        dpkg --purge portico >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; return 1; }
    fi
}

cleanup() {
    local status=$?
    if [[ -n "$PORTICOD_PID" ]] && kill -0 "$PORTICOD_PID" 2>/dev/null; then
        kill -KILL "$PORTICOD_PID" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -f "$WORK/porticod.log" ]]; then
        echo "--- porticod output:"
        cat "$WORK/porticod.log"
    fi
    rm -f "$TEST_OVERRIDE"
    purge_package || echo "cleanup: dpkg --purge portico failed" >&2
    rm -rf "$WORK"
    exit $status
}
trap cleanup EXIT

step "leftovers of an earlier run"
rm -f "$TEST_OVERRIDE"
if [[ -n "$(package_state)" && "$(package_state)" != "not-installed" ]]; then
    echo "  portico is in state '$(package_state)': purging it first"
    purge_package
fi
ok "no portico package installed"

step "cpack: build both packages from $BUILD_DIR"
if ! "$CPACK" --config "$BUILD_DIR/CPackConfig.cmake" -B "$WORK/packages" >"$WORK/cpack.log" 2>&1; then
    cat "$WORK/cpack.log"
    # cpack first brings the build up to date ("preinstall"); show why that failed, if it did.
    for log in "$WORK"/packages/_CPack_Packages/*/*/PreinstallOutput.log; do
        [[ -f "$log" ]] && grep -E -m 20 'error|Error' "$log"
    done
    fail "cpack failed"
fi
DEB="$WORK/packages/portico_${VERSION}_$(dpkg --print-architecture).deb"
RPM="$WORK/packages/portico-${VERSION}.$(uname -m).rpm"
assert_exists "$DEB" "$RPM"
if grep -iE 'warning|error' "$WORK/cpack.log"; then
    fail "cpack printed warnings or errors (above)"
fi
ok "cpack printed no warning"

step ".deb control data"
CONTROL="$(dpkg-deb --field "$DEB")"
assert_contains "control" "$CONTROL" "Package: portico" "Version: $VERSION" "Depends: " \
    "libpoco" "libsystemd0" "passwd"
assert_lacks "control's Depends" "$(grep '^Depends:' <<<"$CONTROL")" "portico-core"
assert_contains "conffiles" "$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles)" \
    /etc/portico/portico.ini /etc/portico/portico.xml /etc/portico/conf.d/README
assert_lacks "conffiles" "$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles)" "/etc/portico/keys$"

step "dpkg -i (fresh install)"
dpkg -i "$DEB" </dev/null >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "dpkg -i failed"; }
[[ "$(package_state)" == "installed" ]] || fail "portico is '$(package_state)' after dpkg -i"
assert_lacks "dpkg -i output" "$(cat "$WORK/install.log")" '[Ww]arning|[Ee]rror'
ok "portico installed"
assert_exists /usr/sbin/porticod /usr/sbin/portico-keys /usr/lib/portico/plugins/security.so /usr/lib/portico/plugins/tracing.so \
    /etc/portico/portico.ini /etc/portico/portico.xml /etc/portico/conf.d/README \
    /lib/systemd/system/portico.service /usr/share/doc/portico/README.md /usr/share/doc/portico/copyright
compgen -G "/usr/lib/portico/libportico-core.so.*" >/dev/null || fail "no /usr/lib/portico/libportico-core.so.*"
ok "/usr/lib/portico/libportico-core.so.* exists"
LDD="$(ldd /usr/sbin/porticod)"
# The private core library resolves through porticod's rpath ($ORIGIN/../lib/portico), not ldconfig.
assert_contains "ldd porticod" "$LDD" "libportico-core.so.0 => /usr/sbin/../lib/portico/libportico-core.so.0"
assert_lacks "ldd porticod" "$LDD" "not found"
assert_lacks "ldd portico-keys" "$(ldd /usr/sbin/portico-keys)" "not found"
assert_contains "portico-keys create" "$(/usr/sbin/portico-keys --store="$WORK/keys.db" create 2>/dev/null)" '"key":"sk-portico-'

step "service user, state directory, keys file"
PASSWD="$(getent passwd portico)" || fail "no user portico"
IFS=: read -r _ _ uid _ _ home shell <<<"$PASSWD"
((uid < 1000)) || fail "portico's uid $uid is not a system uid"
[[ "$home" == /var/lib/portico && "$shell" == */nologin ]] || fail "portico: home $home, shell $shell"
ok "portico: system uid $uid, home $home, shell $shell"
assert_stat /var/lib/portico 750 portico portico
assert_stat /etc/portico/keys 640 root portico

step "systemd-analyze verify"
systemd-analyze verify /lib/systemd/system/portico.service >"$WORK/verify.log" 2>&1 \
    || { cat "$WORK/verify.log"; fail "systemd-analyze verify failed"; }
[[ ! -s "$WORK/verify.log" ]] || { cat "$WORK/verify.log"; fail "systemd-analyze verify complained"; }
ok "systemd-analyze verify: clean"

step "the installed porticod, as the service user, under the unit's restrictions"
# setpriv: User=/Group=portico, NoNewPrivileges, no capabilities at all (CapabilityBoundingSet=).
# mdwe.pl: the kernel's memory-deny-write-execute (MemoryDenyWriteExecute=), first shown to bite.
AS_SERVICE=(setpriv --reuid=portico --regid=portico --init-groups --no-new-privs
            --inh-caps=-all --bounding-set=-all --)
MDWE=(perl "$HERE/mdwe.pl")
if "${MDWE[@]}" perl -e 'exit(syscall(9, 0, 4096, 7, 0x22, -1, 0) == -1 ? 0 : 1)' 2>"$WORK/mdwe.log"; then
    ok "under mdwe.pl a writable+executable mapping is refused"
elif grep -q "PR_SET_MDWE" "$WORK/mdwe.log"; then
    echo "  kernel without PR_SET_MDWE ($(cat "$WORK/mdwe.log")): MemoryDenyWriteExecute not emulated"
    MDWE=()
else
    fail "mdwe.pl did not refuse a writable+executable mapping"
fi
"${AS_SERVICE[@]}" "${MDWE[@]}" /usr/sbin/porticod --config=/etc/portico/portico.ini --check-config \
    >"$WORK/check.log" 2>&1 || { cat "$WORK/check.log"; fail "--check-config of the installed config failed"; }
ok "porticod --check-config /etc/portico/portico.ini: $(head -1 "$WORK/check.log")"

grep -qE '^listen[[:space:]]*=[[:space:]]*127\.0\.0\.1:8000([[:space:]]|$)' /etc/portico/portico.ini \
    || fail "the installed portico.ini does not listen on 127.0.0.1:8000"
ok "the installed portico.ini listens on 127.0.0.1:8000"
# The unit's own command line; a conf.d override moves it to a free port (as an admin would).
PORT="$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport')"
printf '[server]\nlisten = 127.0.0.1:%s\n' "$PORT" >"$TEST_OVERRIDE"
chmod 0644 "$TEST_OVERRIDE"
# strace (where ptrace works) records the system calls for the SystemCallFilter check below.
TRACE=()
if strace_usable; then
    TRACE=(strace -f -qq -o "$WORK/strace.txt")
else
    echo "  strace unusable here: the SystemCallFilter check is skipped"
fi
# The launcher writes its pid, then setpriv, perl and porticod exec in place: that pid is
# porticod's, traced or not.
"${TRACE[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$WORK/porticod.pid" \
    "${AS_SERVICE[@]}" "${MDWE[@]}" /usr/sbin/porticod --config=/etc/portico/portico.ini \
    >"$WORK/porticod.log" 2>&1 &
LAUNCHED=$!
for _ in $(seq 1 50); do
    [[ -s "$WORK/porticod.pid" ]] && break
    sleep 0.1
done
PORTICOD_PID="$(cat "$WORK/porticod.pid")"
[[ -n "$PORTICOD_PID" ]] || fail "porticod's launcher did not start"
for _ in $(seq 1 100); do
    kill -0 "$PORTICOD_PID" 2>/dev/null || fail "porticod exited during start-up"
    curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
    sleep 0.2
done
HEADERS="$(curl -s -D - -o "$WORK/healthz.body" --max-time 10 "http://127.0.0.1:$PORT/healthz")" \
    || fail "no answer on 127.0.0.1:$PORT/healthz"
STATUS="$(head -1 <<<"$HEADERS" | tr -d '\r')"
[[ "$STATUS" == *" 200"* ]] || fail "/healthz answered '$STATUS'"
ok "/healthz: $STATUS $(cat "$WORK/healthz.body")"
assert_header "$HEADERS" X-Content-Type-Options nosniff
assert_header "$HEADERS" X-Frame-Options
assert_header "$HEADERS" Strict-Transport-Security
assert_header "$HEADERS" Referrer-Policy
assert_header "$HEADERS" Content-Security-Policy
assert_header "$HEADERS" X-Trace-Id

# ExecReload's SIGHUP: the installed config reloads in place.
kill -HUP "$PORTICOD_PID"
for _ in $(seq 1 50); do
    grep -q "reload" "$WORK/porticod.log" && break
    sleep 0.2
done
grep -q "reloaded" "$WORK/porticod.log" || fail "no 'reloaded' line after SIGHUP"
ok "SIGHUP: $(grep -m1 "reloaded" "$WORK/porticod.log")"
curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" || fail "/healthz fails after the reload"
ok "/healthz still answers after the reload"

kill -TERM "$PORTICOD_PID"
EXIT=0
wait "$LAUNCHED" || EXIT=$? # porticod itself, or strace, which exits with its status
PORTICOD_PID=""
[[ $EXIT -eq 0 ]] || fail "porticod exited with $EXIT on SIGTERM"
ok "SIGTERM: porticod drained and exited 0"
if ((${#TRACE[@]})); then
    assert_syscalls_allowed "$WORK/strace.txt" /usr/sbin/porticod /lib/systemd/system/portico.service
fi
rm -f "$TEST_OVERRIDE"

step "dpkg -i again over a locally edited config (the upgrade path keeps conffiles and keys)"
echo "; local edit kept across upgrades" >>/etc/portico/portico.ini
echo "alice sha256:$(printf 'sk-test' | sha256sum | cut -d' ' -f1)" >>/etc/portico/keys
dpkg -i "$DEB" </dev/null >"$WORK/reinstall.log" 2>&1 || { cat "$WORK/reinstall.log"; fail "dpkg -i (again) failed"; }
assert_lacks "dpkg -i (again) output" "$(cat "$WORK/reinstall.log")" '[Ww]arning|[Ee]rror'
assert_contains "/etc/portico/portico.ini" "$(cat /etc/portico/portico.ini)" "; local edit kept across upgrades"
assert_contains "/etc/portico/keys" "$(cat /etc/portico/keys)" "alice sha256:"
assert_stat /etc/portico/keys 640 root portico
assert_stat /var/lib/portico 750 portico portico

step "dpkg --purge"
touch /var/lib/portico/state.db # state the service would have written
dpkg --purge portico </dev/null >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; fail "dpkg --purge failed"; }
assert_lacks "dpkg --purge output" "$(cat "$WORK/purge.log")" '[Ww]arning|[Ee]rror'
[[ "$(package_state)" == "not-installed" || -z "$(package_state)" ]] || fail "portico is '$(package_state)' after purge"
assert_absent /usr/sbin/porticod /usr/lib/portico /etc/portico /lib/systemd/system/portico.service \
    /var/lib/portico /usr/share/doc/portico /etc/systemd/system/portico.service \
    /etc/systemd/system/multi-user.target.wants/portico.service \
    /var/lib/systemd/deb-systemd-helper-enabled/portico.service \
    /var/lib/systemd/deb-systemd-helper-masked/portico.service
ok "user portico stays after purge (Debian policy): $(getent passwd portico || echo gone)"

step ".rpm: files"
RPM_FILES="$(rpm -qp --list "$RPM")"
assert_contains "rpm --list" "$RPM_FILES" /usr/sbin/porticod /usr/sbin/portico-keys /usr/lib/portico/plugins/security.so \
    /usr/lib/portico/libportico-core.so. /usr/lib/systemd/system/portico.service \
    /etc/portico/portico.ini /etc/portico/keys /var/lib/portico /usr/share/doc/portico/copyright
# Directories of the distribution must not be claimed (on Fedora /lib is a symlink: a conflict).
assert_lacks "rpm --list" "$RPM_FILES" '^/(lib|var|var/lib|usr/sbin|usr/lib|usr/lib/systemd(/system)?|etc)$' \
    '^/usr/etc/'
RPM_MODES="$(rpm -qp --queryformat '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$RPM")"
assert_contains "rpm file modes" "$RPM_MODES" "-rw-r----- root:portico /etc/portico/keys" \
    "drwxr-x--- portico:portico /var/lib/portico"

step ".rpm: config files"
RPM_CONFIG="$(rpm -qp --configfiles "$RPM")"
assert_contains "rpm --configfiles" "$RPM_CONFIG" /etc/portico/portico.ini /etc/portico/portico.xml \
    /etc/portico/keys /etc/portico/conf.d/README
RPM_FLAGS="$(rpm -qp --queryformat '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$RPM")"
assert_contains "rpm file flags" "$RPM_FLAGS" "cn /etc/portico/portico.ini" "cng /etc/portico/keys"

step ".rpm: scripts"
assert_contains "rpm --scripts" "$(rpm -qp --scripts "$RPM")" "preinstall scriptlet" \
    "useradd --system" "postinstall scriptlet" "install -o root -g portico -m 0640 /dev/null /etc/portico/keys" \
    "preuninstall scriptlet" "disable --now portico.service" "postuninstall scriptlet" "try-restart portico.service"

step ".rpm: dependencies"
RPM_REQUIRES="$(rpm -qp --requires "$RPM")"
assert_contains "rpm --requires" "$RPM_REQUIRES" "libPocoNet.so" "libPocoFoundation.so" "libsystemd.so.0" \
    "shadow-utils"
assert_lacks "rpm --requires" "$RPM_REQUIRES" "portico-core"
assert_lacks "rpm --provides" "$(rpm -qp --provides "$RPM")" "portico-core" '\.so'

printf '\npackage_deb_rpm: all checks passed\n'
