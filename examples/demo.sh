#!/usr/bin/env bash
# The main job on an example: build gopatchelf, lay out a tree the way a Nix
# build leaves $out (a program and an extension-module-like library that need
# libraries from other store paths), let `gopatchelf auto` re-link it against
# fake store directories, and run the result with no LD_LIBRARY_PATH.
#
# Usage: bash examples/demo.sh   (needs Go; runs on x86_64 Linux)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	export PATH=$PATH:/usr/local/go/bin
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/gopatchelf" ./cmd/gopatchelf

fx=fixtures/testdata/x86_64/transitive
mkdir -p "$work/out/bin" "$work/out/lib/python3/site-packages/foo" \
	"$work/store/aaaa-libfoo/lib" "$work/store/bbbb-libbar/lib"
cp "$fx/prog" "$work/out/bin/prog"
cp "$fx/libfoo.so" "$work/out/lib/python3/site-packages/foo/_foo.so"
cp "$fx/libfoo.so" "$work/store/aaaa-libfoo/lib/libfoo.so"
cp "$fx/libbar.so" "$work/store/bbbb-libbar/lib/libbar.so"
chmod +x "$work/out/bin/prog"

echo "--- before: the program cannot find its libraries"
"$work/out/bin/prog" 2>&1 || true

# Each store path is patched by its own build, as in Nix: libfoo's RUNPATH
# points at libbar's store path.
echo "--- the libfoo package's build: gopatchelf auto --paths store/aaaa-libfoo --libs store/bbbb-libbar/lib"
(cd "$work" && ./gopatchelf auto --paths store/aaaa-libfoo --libs store/bbbb-libbar/lib)

echo "--- our build: gopatchelf auto --paths out --libs <store dirs>"
patch_out() {
	(cd "$work" && ./gopatchelf auto --paths out --libs store/aaaa-libfoo/lib store/bbbb-libbar/lib "$@")
}
patch_out

echo "--- after"
"$work/out/bin/prog"
echo "--- a second run changes nothing"
before=$(sha256sum "$work/out/bin/prog" "$work/out/lib/python3/site-packages/foo/_foo.so")
patch_out >/dev/null
if [[ $before == "$(sha256sum "$work/out/bin/prog" "$work/out/lib/python3/site-packages/foo/_foo.so")" ]]; then
	echo "unchanged"
else
	echo "changed on the second run" >&2
	exit 1
fi
