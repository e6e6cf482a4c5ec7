#!/bin/sh
# elf-vs-patchelf.sh — time gopatchelf's RUNPATH writer against patchelf.
#
# Builds a corpus of N copies of system shared libraries in a temporary
# directory, then times, in one run, bench/cmd/setrpath (one process over
# all files: parse, plan, atomic temp+fsync+rename per file) against a shell
# loop running `patchelf --set-rpath` once per file, on fresh copies for
# every timed run. Prints the ratio of the mean times and the peak RSS of
# each side (/usr/bin/time -v).
#
# Usage: bench/elf-vs-patchelf.sh [N]      (default N=200; or N=… in the environment)
#        RUNS=10 bench/elf-vs-patchelf.sh  (timed runs per command with hyperfine)
set -eu

N=${1:-${N:-200}}
RUNS=${RUNS:-10}
case $N in '' | *[!0-9]*) echo "N must be a number, got '$N'" >&2; exit 2 ;; esac
[ "$N" -gt 0 ] || { echo "N must be positive" >&2; exit 2; }

# Two Nix store paths: longer than any RUNPATH the libraries have, so both
# tools must grow the file rather than rewrite a string in place.
RPATH_NEW=/nix/store/0c6f5cl6xbbc9s5rp1a1w3jl5vb8m4f9-openssl-3.3.2/lib:/nix/store/yzbwl5m9sibvvq7r7bj4dwpn4r1cfdgq-zlib-1.3.1/lib

root=$(cd "$(dirname "$0")/.." && pwd)
command -v patchelf >/dev/null || { echo "patchelf not found" >&2; exit 1; }
command -v go >/dev/null || { echo "go not found" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/elf-vs-patchelf.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The libraries: common ones from the multiarch directory, whichever exist.
libs=
for dir in /usr/lib/*-linux-gnu* /usr/lib64 /lib64; do
	[ -d "$dir" ] || continue
	for name in libz.so.1 libssl.so.3 libcrypto.so.3 libstdc++.so.6 libxml2.so.2 libsqlite3.so.0 libcurl.so.4; do
		[ -e "$dir/$name" ] && libs="$libs $(readlink -f "$dir/$name")"
	done
	[ -n "$libs" ] && break
done
[ -n "$libs" ] || { echo "no system libraries found to copy" >&2; exit 1; }

mkdir "$work/orig"
i=0
while [ "$i" -lt "$N" ]; do
	for lib in $libs; do
		[ "$i" -lt "$N" ] || break
		cp "$lib" "$work/orig/$i-$(basename "$lib")"
		i=$((i + 1))
	done
done
chmod u+w "$work"/orig/*

(cd "$root" && go build -o "$work/setrpath" ./bench/cmd/setrpath)

reset="rm -rf '$work/corpus' && cp -a '$work/orig' '$work/corpus'"
gopatchelf_cmd="'$work/setrpath' -rpath '$RPATH_NEW' '$work'/corpus/*"
patchelf_cmd="for f in '$work'/corpus/*; do patchelf --set-rpath '$RPATH_NEW' \"\$f\"; done"
cmd_of() {
	case $1 in
	gopatchelf) echo "$gopatchelf_cmd" ;;
	patchelf) echo "$patchelf_cmd" ;;
	esac
}

echo "machine: $(uname -m), $(nproc) CPUs, $(uname -sr)"
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "tools:   $(patchelf --version), $(go version | cut -d' ' -f3)"
# Other work on the machine shows up as variance: say how busy it was.
[ -r /proc/loadavg ] && echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
echo "corpus:  $N files, $(du -sh "$work/orig" | cut -f1) in $work (copies of:$libs)"
echo

# check makes sure a command really set the RUNPATH of every file.
check() {
	for f in "$work"/corpus/*; do
		got=$(patchelf --print-rpath "$f")
		[ "$got" = "$RPATH_NEW" ] || { echo "$1: $f has RUNPATH '$got'" >&2; exit 1; }
	done
}
for name in gopatchelf patchelf; do
	sh -c "$reset"
	sh -c "$(cmd_of "$name")"
	check "$name"
done

if command -v hyperfine >/dev/null; then
	hyperfine --style basic --warmup 1 --runs "$RUNS" --prepare "$reset" \
		--export-csv "$work/times.csv" \
		-n gopatchelf "$gopatchelf_cmd" \
		-n patchelf "$patchelf_cmd"
	# command,mean,stddev,median,user,system,min,max
	go_mean=$(awk -F, '$1 == "gopatchelf" { print $2 }' "$work/times.csv")
	pe_mean=$(awk -F, '$1 == "patchelf" { print $2 }' "$work/times.csv")
else
	[ -x /usr/bin/time ] || { echo "need hyperfine or GNU time (/usr/bin/time)" >&2; exit 1; }
	echo "hyperfine not found: one run each with /usr/bin/time"
	sh -c "$reset"
	go_mean=$(/usr/bin/time -f %e sh -c "$gopatchelf_cmd" 2>&1 >/dev/null | tail -n1)
	sh -c "$reset"
	pe_mean=$(/usr/bin/time -f %e sh -c "$patchelf_cmd" 2>&1 >/dev/null | tail -n1)
fi

echo
awk -v g="$go_mean" -v p="$pe_mean" -v n="$N" 'BEGIN {
	printf "gopatchelf: %.3f s (%.2f ms/file)\n", g, 1000 * g / n
	printf "patchelf:   %.3f s (%.2f ms/file)\n", p, 1000 * p / n
	printf "ratio:      patchelf takes %.2fx the time of gopatchelf\n", p / g
}'

if [ -x /usr/bin/time ]; then
	for name in gopatchelf patchelf; do
		sh -c "$reset"
		# For the loop this is the largest patchelf process: the shell's
		# rusage covers the children it waited for.
		rss=$(/usr/bin/time -v sh -c "$(cmd_of "$name")" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }')
		printf 'peak RSS %-10s %s KiB\n' "$name:" "$rss"
	done
else
	echo "/usr/bin/time not found: no peak RSS"
fi
