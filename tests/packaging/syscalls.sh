# System-call check for package_test.sh (sourced): every system call porticod made (traced with
# strace) must be allowed by the unit's filter, SystemCallFilter=@system-service minus
# ~@privileged @resources. A call outside it would fail with EPERM under systemd only, which no
# other test would notice. The groups come from this machine's systemd-analyze.

# expand_syscall_group @GROUP: its system calls, one a line, nested groups resolved.
expand_syscall_group() {
    local line
    systemd-analyze syscall-filter "$1" | tail -n +2 | while read -r line; do
        case "$line" in
            '' | '#'*) ;;
            @*) expand_syscall_group "$line" ;;
            *) echo "$line" ;;
        esac
    done
}

# The unit's filter from its SystemCallFilter= lines: an allow list, then a deny list (~).
unit_allowed_syscalls() {
    local unit="$1" allow=() deny=() names=() value group
    while IFS= read -r value; do
        if [[ "$value" == '~'* ]]; then
            read -r -a names <<<"${value#\~}"
            deny+=("${names[@]}")
        else
            read -r -a names <<<"$value"
            allow+=("${names[@]}")
        fi
    done < <(sed -n 's/^SystemCallFilter=//p' "$unit")
    ((${#allow[@]})) || fail "$unit has no SystemCallFilter allow list"
    comm -23 <(for group in "${allow[@]}"; do expand_syscall_group "$group"; done | sort -u) \
             <(for group in "${deny[@]}"; do expand_syscall_group "$group"; done | sort -u)
}

# strace_usable: ptrace works here (containers may forbid it).
strace_usable() {
    command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null
}

# assert_syscalls_allowed STRACE_FILE PROGRAM UNIT: the calls PROGRAM made after its execve.
assert_syscalls_allowed() {
    local trace="$1" program="$2" unit="$3" start used denied
    start="$(grep -n "execve(\"$program\"" "$trace" | head -1 | cut -d: -f1)"
    [[ -n "$start" ]] || fail "$trace has no execve of $program"
    used="$(tail -n +"$start" "$trace" | awk '{print $2}' | sed -nE 's/^([a-z_0-9]+)\(.*/\1/p' | sort -u)"
    denied="$(comm -23 <(echo "$used") <(unit_allowed_syscalls "$unit"))"
    [[ -z "$denied" ]] || fail "porticod made system calls that $unit's SystemCallFilter denies: $(tr '\n' ' ' <<<"$denied")"
    ok "all $(wc -l <<<"$used") system calls porticod made are allowed by the unit's SystemCallFilter"
}
