# shellcheck shell=bash
# A tiny test framework for the nixhook tests: run_test runs one test function in a subshell
# with errexit in force (so any failing command fails the test), captures its output, prints
# "ok NAME" or "FAIL NAME" followed by the captured output, and counts. summary prints the closing
# line "N passed, M failed" (", K skipped" added when something was skipped) and returns 1 on failure.

tests_passed=0
tests_failed=0
tests_skipped=0

# run_test NAME FUNCTION [ARG...]
run_test() {
    local name="$1"
    shift
    local log rc
    log=$(mktemp "${TMPDIR:-/tmp}/nixhook-test-log.XXXXXX")
    set +e
    ( set -e; "$@" ) > "$log" 2>&1
    rc=$?
    set -e
    if (( rc == 0 )); then
        tests_passed=$((tests_passed + 1))
        echo "ok   $name"
    elif (( rc == 77 )); then
        tests_skipped=$((tests_skipped + 1))
        echo "skip $name: $(tail -n 1 "$log")"
    else
        tests_failed=$((tests_failed + 1))
        echo "FAIL $name"
        sed 's/^/    | /' "$log"
    fi
    rm -f "$log"
}

# skip_test REASON: ends the current test as skipped.
skip_test() {
    echo "$*"
    exit 77
}

# fail MESSAGE...: ends the current test as failed.
fail() {
    echo "assertion failed: $*" >&2
    exit 1
}

# assert_eq EXPECTED ACTUAL WHAT
assert_eq() {
    if [[ "$1" != "$2" ]]; then
        echo "assertion failed: $3" >&2
        diff -u --label expected --label actual <(printf '%s\n' "$1") <(printf '%s\n' "$2") >&2 || true
        exit 1
    fi
}

# assert_contains HAYSTACK NEEDLE WHAT
assert_contains() {
    if [[ "$1" != *"$2"* ]]; then
        printf 'assertion failed: %s\n  wanted: %s\n  in:\n%s\n' "$3" "$2" "$1" >&2
        exit 1
    fi
}

# assert_not_contains HAYSTACK NEEDLE WHAT
assert_not_contains() {
    if [[ "$1" == *"$2"* ]]; then
        printf 'assertion failed: %s\n  unwanted: %s\n  in:\n%s\n' "$3" "$2" "$1" >&2
        exit 1
    fi
}

# summary: prints the closing line; returns 1 if a test failed.
summary() {
    local line="$tests_passed passed, $tests_failed failed"
    if (( tests_skipped > 0 )); then
        line+=", $tests_skipped skipped"
    fi
    echo "$line"
    (( tests_failed == 0 ))
}
