#!/bin/sh
# patchelf-suite.sh — run NixOS/patchelf's own test suite against
# `gopatchelf patchelf`.
#
# patchelf's tests (tests/*.sh of its source tree) call ../src/patchelf. This
# copies a configured and built patchelf source tree to a work directory,
# replaces src/patchelf there by a freshly built gopatchelf (run under the
# name patchelf it takes patchelf's command line; some tests resolve the path
# with readlink -f, so it is the binary itself, not a symlink), runs
# `make -C tests check` and prints one line per test plus the totals:
#
#	N passed, M failed, K skipped
#
# Nothing of patchelf's is copied into this repository; the source tree stays
# untouched (the copy is made with cp -a, so its timestamps keep make from
# rebuilding the tests' programs).
#
# Usage: bench/patchelf-suite.sh PATCHELF_SRC [WORKDIR]
#	PATCHELF_SRC  a patchelf checkout (0.19.0 tag), configured and built
#	              in place: ./bootstrap.sh && ./configure && make &&
#	              make -C tests check   (builds the test programs)
#	WORKDIR       where the copy goes (default: $TMPDIR/patchelf-gotest);
#	              replaced on every run
#	TESTS="a.sh b.sh" restricts the run to some tests (make's TESTS).
set -eu

[ $# -ge 1 ] || { echo "usage: $0 PATCHELF_SRC [WORKDIR]" >&2; exit 2; }
src=$(cd "$1" && pwd)
work=${2:-${TMPDIR:-/tmp}/patchelf-gotest}
[ -f "$src/tests/Makefile" ] || { echo "$src is not a configured patchelf tree (no tests/Makefile)" >&2; exit 2; }
command -v go >/dev/null || { echo "go not found" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
cp -a "$src/." "$work/"
rm -f "$work/src/patchelf"
(cd "$root" && go build -o "$work/src/patchelf" ./cmd/gopatchelf)
# Results of earlier runs in the source tree would be taken as fresh.
rm -f "$work"/tests/*.log "$work"/tests/*.trs
rm -rf "$work/tests/scratch"

set +e
if [ -n "${TESTS:-}" ]; then
	make -C "$work/tests" -k check TESTS="$TESTS" >"$work/make.log" 2>&1
else
	make -C "$work/tests" -k check >"$work/make.log" 2>&1
fi
set -e

pass=0 fail=0 skip=0
for trs in "$work"/tests/*.trs; do
	[ -e "$trs" ] || continue
	t=$(basename "$trs" .trs)
	r=$(sed -n 's/^:test-result: //p' "$trs" | head -n1)
	case $r in
	PASS | XFAIL) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
	printf '%-6s %s\n' "$r" "$t"
done
echo "$pass passed, $fail failed, $skip skipped   (logs: $work/tests/*.log)"
