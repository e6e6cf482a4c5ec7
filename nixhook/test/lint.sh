#!/usr/bin/env bash
# Static checks of the Nix side of the repository:
#   - bash -n and shellcheck over the setup hook and the test scripts;
#   - the hook holds no @name@ placeholder but @gopatchelf@ (makeSetupHook's substituteAll would
#     replace any @name@ whose name is a variable of the hook's build);
#   - nix-instantiate --parse over every .nix file;
#   - nix/package.nix's vendorHash is the hash buildGoModule will compute (go mod vendor + NAR hash);
#   - the Nix files evaluate against a stub of nixpkgs (nix/tests/eval.nix).
# Sourced by run.sh; run directly it prints its own "N passed, M failed" line.
# A missing tool (shellcheck, nix-instantiate, nix-hash, go) skips its check, except under CI=true,
# where it fails: CI installs them.

lint_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

lint_need() { # lint_need TOOL: skips (or, on CI, fails) the current check when TOOL is missing
    if ! command -v "$1" > /dev/null; then
        if [[ "${CI-}" == true ]]; then
            fail "$1 is not installed (CI must install it)"
        fi
        skip_test "$1 is not installed"
    fi
}

lint_shell_files() {
    printf '%s\n' "$lint_repo/nixhook/setup-hook.sh" "$lint_repo"/nixhook/test/*.sh
}

t_lint_bash_syntax() {
    local f
    while IFS= read -r f; do
        bash -n "$f" || fail "bash -n $f"
    done < <(lint_shell_files)
}

t_lint_shellcheck() {
    lint_need shellcheck
    local -a files
    mapfile -t files < <(lint_shell_files)
    (cd "$lint_repo" && shellcheck -x "${files[@]}")
}

t_lint_placeholders() {
    local found
    found=$(grep -oE '@[A-Za-z_][A-Za-z0-9_]*@' "$lint_repo/nixhook/setup-hook.sh" | sort -u)
    assert_eq "@gopatchelf@" "$found" "placeholders in setup-hook.sh"
}

lint_nix_files() {
    find "$lint_repo" -name .git -prune -o -type f -name '*.nix' -print | LC_ALL=C sort
}

t_lint_nix_parse() {
    lint_need nix-instantiate
    local f count=0
    while IFS= read -r f; do
        nix-instantiate --parse "$f" > /dev/null || fail "nix-instantiate --parse $f"
        count=$((count + 1))
    done < <(lint_nix_files)
    (( count > 0 )) || fail "no .nix files found"
    echo "parsed $count files"
}

# The vendorHash buildGoModule will compute: its goModules derivation runs `go mod vendor` in the
# source and takes the recursive (NAR) sha256 of the vendor directory; "null" when there is
# nothing to vendor.
lint_vendor_hash() {
    local dir hex
    dir=$(mktemp -d "${TMPDIR:-/tmp}/nixhook-vendor.XXXXXX")
    if ! (cd "$lint_repo" && GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local go mod vendor -o "$dir/vendor") >&2; then
        rm -rf "$dir"
        return 1
    fi
    if [[ -z "$(ls -A "$dir/vendor" 2> /dev/null)" ]]; then
        echo null
    else
        hex=$(nix-hash --type sha256 "$dir/vendor")
        echo "sha256-$(printf '%s' "${hex^^}" | basenc --base16 -d | base64 -w0)"
    fi
    rm -rf "$dir"
}

t_lint_vendor_hash() {
    lint_need go
    lint_need nix-hash
    local want have
    want=$(lint_vendor_hash) || fail "go mod vendor failed"
    have=$(sed -n 's/^ *vendorHash = \(.*\);.*$/\1/p' "$lint_repo/nix/package.nix" | tr -d '"')
    if [[ "$want" != "$have" ]]; then
        fail "nix/package.nix has vendorHash = $have but the Go imports now need $want." \
            "Set vendorHash = \"$want\"; (run nixhook/test/lint.sh --vendor-hash to print it)."
    fi
}

# Only stdout is compared: on a machine without Nix's build users, Nix itself warns on stderr
# ("warning: the group 'nixbld' specified in 'build-users-group' does not exist"), and that
# says nothing about our files. stderr is shown when the evaluation fails.
t_lint_nix_eval() {
    lint_need nix-instantiate
    local out errs
    errs=$(mktemp "${TMPDIR:-/tmp}/nixhook-eval.XXXXXX")
    if ! out=$(cd "$lint_repo" && nix-instantiate --eval --strict --json nix/tests/eval.nix 2> "$errs"); then
        out="$out $(cat "$errs")"
        rm -f "$errs"
        fail "nix/tests/eval.nix: $out"
    fi
    rm -f "$errs"
    assert_eq "true" "$out" "nix/tests/eval.nix"
}

run_lint_tests() {
    run_test "lint bash -n" t_lint_bash_syntax
    run_test "lint shellcheck" t_lint_shellcheck
    run_test "lint hook placeholders" t_lint_placeholders
    run_test "lint nix-instantiate --parse" t_lint_nix_parse
    run_test "lint nix evaluation against stub nixpkgs" t_lint_nix_eval
    run_test "lint vendorHash" t_lint_vendor_hash
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    # shellcheck source=nixhook/test/lib.sh
    source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
    if [[ "${1-}" == --vendor-hash ]]; then
        lint_vendor_hash
        exit
    fi
    run_lint_tests
    summary
fi
