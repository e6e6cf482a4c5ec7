#!/bin/sh
# growth.sh — how many bytes a RUNPATH edit adds to a file: gopatchelf
# against patchelf, on a sample of this machine's own programs and
# libraries (issue 15: no file may grow by more than patchelf 0.19 would
# grow it plus one page).
#
# Usage: bench/growth.sh [FILE...]
#   PATCHELF_OLD=path  the first patchelf to compare (default: patchelf in PATH)
#   PATCHELF_NEW=path  a second one, e.g. a build of 0.19.0 (default: none)
#   RPATH=...          the RUNPATH to set (default: 100 bytes, two store paths)
#
# Prints a Markdown table: the file's size, the growth with each tool, and
# whether gopatchelf stays within the newest patchelf's growth plus one page
# (4 KiB, or 64 KiB on arches whose kernels may use 64 KiB pages). Every
# file gopatchelf writes is checked with `patchelf --print-rpath`; programs
# that answer `--version` are run before and after and must print the same.
set -eu

RPATH=${RPATH:-/nix/store/0c6f5cl6xbbc9s5rp1a1w3jl5vb8m4f9-openssl-3.3.2/lib:/nix/store/yzbwl5m9sibvvq7r7b-zlib/lib}
root=$(cd "$(dirname "$0")/.." && pwd)
old=${PATCHELF_OLD:-$(command -v patchelf || true)}
new=${PATCHELF_NEW:-}
[ -n "$old" ] || { echo "patchelf not found (set PATCHELF_OLD)" >&2; exit 1; }
command -v go >/dev/null || { echo "go not found" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/growth.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
(cd "$root" && go build -o "$work/gopatchelf" ./cmd/gopatchelf)

if [ $# -eq 0 ]; then
	# The sample: programs found in PATH, libraries in the multiarch dir.
	for p in git bash python3 perl ssh curl gpg tar gzip xz sqlite3 readelf gcc qemu-aarch64 eu-elflint; do
		f=$(command -v "$p" 2>/dev/null || true)
		[ -n "$f" ] && set -- "$@" "$(readlink -f "$f")"
	done
	for dir in /usr/lib/"$(uname -m)"-linux-gnu* /usr/lib64; do
		[ -d "$dir" ] || continue
		for name in libc.so.6 libstdc++.so.6 libcrypto.so.3 libssl.so.3 libz.so.1 libxml2.so.2 \
			libsqlite3.so.0 libcurl.so.4 libpython3.11.so.1.0 libglib-2.0.so.0 libLLVM-14.so.1; do
			[ -e "$dir/$name" ] && set -- "$@" "$(readlink -f "$dir/$name")"
		done
		break
	done
fi

version() { "$1" --version 2>/dev/null | head -n1 | awk '{ print $NF }'; }
size() { wc -c <"$1" | tr -d ' '; }
# grow TOOL FILE: the growth in bytes, or "refused". The copy keeps the
# file's name (programs print their argv[0]).
grow() {
	rm -rf "$work/x" && mkdir "$work/x"
	f=$work/x/$(basename "$2")
	cp "$2" "$f" && chmod u+w "$f"
	case $1 in
	gopatchelf) "$work/gopatchelf" patchelf --set-rpath "$RPATH" "$f" 2>"$work/err" || { echo refused; return; } ;;
	*) "$1" --set-rpath "$RPATH" "$f" 2>"$work/err" || { echo refused; return; } ;;
	esac
	echo $(($(size "$f") - $(size "$2")))
}

echo "machine: $(uname -m), $(uname -sr); $(date -u '+%Y-%m-%d')"
echo "RUNPATH set: $RPATH (${#RPATH} bytes)"
echo
oldv=$(version "$old")
if [ -n "$new" ]; then
	newv=$(version "$new")
	echo "| file | size | gopatchelf | patchelf $oldv | patchelf $newv | within $newv + 1 page |"
	echo "|---|---:|---:|---:|---:|---|"
else
	echo "| file | size | gopatchelf | patchelf $oldv | within $oldv + 1 page |"
	echo "|---|---:|---:|---:|---|"
fi
bad=0
for f in "$@"; do
	if [ ! -f "$f" ] || [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" != 177ELF ]; then
		continue
	fi
	ours=$(grow gopatchelf "$f")
	out=$work/x/$(basename "$f")
	if [ "$ours" != refused ]; then
		got=$("$old" --print-rpath "$out" 2>/dev/null || "$work/gopatchelf" patchelf --print-rpath "$out")
		[ "$got" = "$RPATH" ] || { echo "$f: RUNPATH not set (got '$got')" >&2; exit 1; }
		if [ -x "$f" ] && case $f in *.so*) false ;; *) true ;; esac; then
			want=$("$f" --version 2>&1 | head -n1 || true)
			have=$("$out" --version 2>&1 | head -n1 || true)
			[ "$want" = "$have" ] || { echo "$f: --version says '$have' after patching, '$want' before" >&2; exit 1; }
		fi
	fi
	theirs=$(grow "$old" "$f")
	ref=$theirs
	row="| $(basename "$f") | $(size "$f") | $ours | $theirs"
	if [ -n "$new" ]; then
		ref=$(grow "$new" "$f")
		row="$row | $ref"
	fi
	case $(uname -m) in aarch64 | ppc64* | mips* | loongarch64) page=65536 ;; *) page=4096 ;; esac
	if [ "$ours" = refused ] || [ "$ref" = refused ]; then
		ok="—"
	elif [ "$ours" -le $((ref + page)) ]; then
		ok=yes
	else
		ok=NO
		bad=1
	fi
	echo "$row | $ok |"
done
exit "$bad"
