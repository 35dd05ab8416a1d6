# Assertions for package_test.sh (sourced). Each one prints what it checked, or what it found
# instead, and fails the test (set -e) on a mismatch.

step() { printf '\n== [%ss] %s\n' "$SECONDS" "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf '  ok: %s\n' "$*"; }

assert_exists() {
    local path
    for path in "$@"; do
        [[ -e "$path" ]] || fail "$path is missing"
        ok "$path exists"
    done
}

assert_absent() {
    local path
    for path in "$@"; do
        [[ ! -e "$path" && ! -L "$path" ]] || fail "$path is still there"
        ok "$path is gone"
    done
}

# assert_stat PATH MODE OWNER GROUP  (mode in octal as stat %a prints it)
assert_stat() {
    local actual
    actual="$(stat -c '%a %U %G' "$1")"
    [[ "$actual" == "$2 $3 $4" ]] || fail "$1: expected mode/owner/group '$2 $3 $4', found '$actual'"
    ok "$1 is $2 $3:$4"
}

# assert_contains NAME TEXT NEEDLE...: every NEEDLE (a fixed string) occurs in TEXT.
assert_contains() {
    local name="$1" text="$2" needle
    shift 2
    for needle in "$@"; do
        grep -qF -- "$needle" <<<"$text" || fail "$name lacks '$needle'. It is:"$'\n'"$text"
        ok "$name has '$needle'"
    done
}

# assert_lacks NAME TEXT REGEX...: no line of TEXT matches REGEX (extended).
assert_lacks() {
    local name="$1" text="$2" pattern
    shift 2
    for pattern in "$@"; do
        if grep -qE -- "$pattern" <<<"$text"; then
            fail "$name has a line matching '$pattern': $(grep -E -- "$pattern" <<<"$text" | head -3)"
        fi
        ok "$name has no line matching '$pattern'"
    done
}

# assert_header HEADERS NAME [VALUE]: the HTTP header NAME is present (with VALUE if given).
assert_header() {
    local headers="$1" name="$2" value="${3:-}" line
    line="$(grep -i "^$name:" <<<"$headers" | head -1 | tr -d '\r')" || true
    [[ -n "$line" ]] || fail "response lacks the header $name. Headers:"$'\n'"$headers"
    if [[ -n "$value" && "${line#*: }" != "$value" ]]; then
        fail "header $name is '${line#*: }', expected '$value'"
    fi
    ok "$line"
}
