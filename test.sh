#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run installs the tools, then calls
# this). Every step runs even when an earlier one failed; the summary at the
# end lists the failures and the exit status is 1 if there was any.
#
#   gofmt      gofmt -l finds nothing to reformat
#   vet        go vet ./...
#   lint       the repository's own scripts pass shellcheck (skipped
#              without it, unless CI is set)
#   go test    go test ./... (set GO_TEST_FLAGS for more, e.g. -race or -v)
#   fixtures   fixtures/build.sh still makes what internal/elftest's table
#              describes (only where the cross compilers are installed)
#   suites     every shell test suite: an executable <dir>/test/run.sh
#   fuzz       every Go fuzz target for FUZZ_TIME (default 15s) each; a
#              crasher fails the step and is kept under testdata/fuzz/
#
# Usage: ./test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	export PATH=$PATH:/usr/local/go/bin
fi

failed=()
step() { # step NAME COMMAND...: run one step, remember whether it failed
	local name=$1
	shift
	echo "==> $name" >&2
	local start=$SECONDS
	if "$@"; then
		echo "==> $name: ok ($((SECONDS - start))s)" >&2
	else
		echo "==> $name: FAILED ($((SECONDS - start))s)" >&2
		failed+=("$name")
	fi
}

# missing TOOL: whether TOOL is absent; under CI that is itself a failure.
missing() {
	if command -v "$1" >/dev/null; then
		return 1
	fi
	if [[ -n ${CI-} ]]; then
		echo "$1 is not installed (CI must install it: see .ci/run)" >&2
		failed+=("$1 missing")
	else
		echo "$1 is not installed: skipped" >&2
	fi
}

check_gofmt() {
	local files
	files=$(gofmt -l .)
	if [[ -n $files ]]; then
		echo "gofmt -l: these files need gofmt -w:" >&2
		echo "$files" >&2
		return 1
	fi
}

check_shellcheck() {
	missing shellcheck && return 0
	shellcheck test.sh .ci/run fixtures/build.sh
}

run_go_test() {
	# GO_TEST_FLAGS is word-split on purpose.
	# shellcheck disable=SC2086
	go test -timeout 20m ${GO_TEST_FLAGS-} ./...
}

# The committed fixtures are what tests use; this proves build.sh still
# makes files that match the table, load and run. Bytes may differ when
# Debian updates glibc or binutils, so a difference is reported, not failed.
check_fixtures() {
	local cc
	for cc in gcc i686-linux-gnu-gcc aarch64-linux-gnu-gcc arm-linux-gnueabihf-gcc \
		powerpc64-linux-gnu-gcc s390x-linux-gnu-gcc riscv64-linux-gnu-gcc; do
		missing "$cc" && return 0
	done
	local out rc=0
	out=$(mktemp -d "${TMPDIR:-/tmp}/fixtures.XXXXXX")
	FIXTURES_OUT=$out fixtures/build.sh &&
		GOPATCHELF_FIXTURES=$out go test -count=1 -run 'TestTableMatchesTestdata|TestFixtureFacts|TestFixturesAreValid|TestUnpatchedProgramsNeedTheirLibraries' ./internal/elftest/ ||
		rc=1
	if ((rc == 0)); then
		if diff -rq fixtures/testdata "$out" >/dev/null; then
			echo "fixtures/build.sh reproduces the committed files byte for byte" >&2
		else
			echo "note: fixtures/build.sh output differs from the committed files (a newer toolchain?):" >&2
			diff -rq fixtures/testdata "$out" | sed 's/^/  /' >&2 || true
		fi
	fi
	rm -rf "$out"
	return "$rc"
}

run_suites() {
	local suite rc=0
	while IFS= read -r suite; do
		echo "--> $suite" >&2
		bash "$suite" || rc=1
	done < <(find . -path ./.git -prune -o -path '*/test/run.sh' -type f -print | sort)
	return "$rc"
}

# run_fuzz runs every Fuzz* target of the module for FUZZ_TIME each and
# prints how many executions each managed. Go minimises every new
# interesting input for -fuzzminimizetime (default 60s) before it goes on
# fuzzing; with seeds of several KiB that took the whole slot (FuzzApply:
# ~2,700 executions, then none; FuzzValidate: 31). A budget of
# FUZZ_MINIMIZE (default 20 attempts) per input keeps every target fuzzing
# for its whole slot; a crasher is still saved (less minimised) under
# testdata/fuzz/. A target that averages under 1,000 executions a second
# is printed as a finding (it does not fail the step: speed depends on the
# machine), and so is Go 1.26's spurious "context deadline exceeded" at
# the end of a slot when no crasher was written.
count_files() {
	if [[ -d $1 ]]; then
		find "$1" -type f | wc -l
	else
		echo 0
	fi
}

run_fuzz() {
	local time=${FUZZ_TIME:-15s} minimize=${FUZZ_MINIMIZE:-20x} ok=0 file pkg name out line execs secs base rate corpus before after
	local -a findings=()
	out=$(mktemp "${TMPDIR:-/tmp}/fuzz.XXXXXX")
	while IFS= read -r file; do
		pkg=./$(dirname "$file")
		while IFS= read -r name; do
			echo "fuzz $pkg $name ($time)" >&2
			corpus=$(dirname "$file")/testdata/fuzz/$name
			before=$(count_files "$corpus")
			if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$time" -fuzzminimizetime "$minimize" "$pkg" 2>&1 | tee "$out" >&2; then
				# Go 1.26's fuzz coordinator can report its own -fuzztime
				# deadline as the target failing (go.dev/issue/75804,
				# fixed in Go 1.27). That, with no crasher written, is
				# not a finding of ours; anything else fails the step.
				after=$(count_files "$corpus")
				if grep -qE '^[[:space:]]+context deadline exceeded$' "$out" && ((after == before)); then
					findings+=("$pkg $name: Go's fuzz coordinator reported its own deadline (go.dev/issue/75804); no crasher written")
				else
					ok=1
				fi
			fi
			# The last progress line: "fuzz: elapsed: 15s, execs: 43714 (2911/sec), ..."
			line=$(grep -E '^fuzz: elapsed: [0-9]+s, execs: [0-9]+' "$out" | tail -n 1 || true)
			if [[ -z $line ]]; then
				findings+=("$pkg $name: no execution count (did it fuzz at all?)")
				continue
			fi
			secs=$(sed -E 's/^fuzz: elapsed: ([0-9]+)s.*/\1/' <<<"$line")
			execs=$(sed -E 's/.*execs: ([0-9]+).*/\1/' <<<"$line")
			# The rate while fuzzing, after the seeds and the cached corpus
			# were run for baseline coverage.
			base=$(sed -nE 's/^fuzz: elapsed: ([0-9]+)s, gathering baseline coverage: .*now fuzzing.*/\1/p' "$out" | tail -n 1)
			base=${base:-0}
			rate=$((execs / (secs - base > 0 ? secs - base : 1)))
			echo "fuzz $pkg $name: $execs executions in ${secs}s, ${base}s of them baseline ($rate/s fuzzing)" >&2
			if ((rate < 1000)); then
				findings+=("$pkg $name: $rate executions/s (under 1,000/s)")
			fi
		done < <(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file")
	done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' | sort)
	rm -f "$out"
	local f
	for f in "${findings[@]}"; do
		echo "fuzz: finding: $f" >&2
	done
	return "$ok"
}

step gofmt check_gofmt
step vet go vet ./...
step lint check_shellcheck
step "go test" run_go_test
step fixtures check_fixtures
step suites run_suites
step fuzz run_fuzz

if ((${#failed[@]} > 0)); then
	echo "test.sh: FAILED: ${failed[*]}" >&2
	exit 1
fi
echo "test.sh: all passed" >&2
