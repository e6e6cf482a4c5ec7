#!/usr/bin/env bash
# Times, in one run, over a corpus made by build.sh:
#   auto        gopatchelf auto over site-packages, --libs = the store dirs
#               (outside a Nix build: rewritten files are synced, one
#               syncfs for all of them before their renames)
#   auto-nix    the same as inside a Nix build (NIX_BUILD_TOP set: no fsync,
#               see --fsync), the conditions patchelf and the upstream hook
#               run in
#   auto-again  the same over the already patched tree (nothing to write)
#   patchelf    a loop of Debian patchelf --set-rpath doing the same edits
#               (taken from auto's --dry-run --structured-logs)
#   floor-a/b/c the probe's floors (README: open+4 bytes, +read ELF files,
#               +rewrite ELF files through temp+fsync+rename)
# then peak RSS of auto (/usr/bin/time -v) and a CPU profile of hook.Run.
# Each timed command starts from a fresh copy of the pristine tree, synced
# (hyperfine --prepare), with a warm page cache: the copy is made with
# --reflink=never, as otherwise on Btrfs or XFS every file would be read
# cold by whatever runs first. Put CORPUS on such a file system to measure
# the clone path of auto (see bench/README.md).
#
#   bench/corpus/run.sh CORPUS [RUNS]
#
# UPSTREAM_AUTO_PATCHELF=FILE  also time what gopatchelf replaces: nixpkgs'
#               auto-patchelf.py (pkgs/by-name/au/auto-patchelf/source/ in
#               nixpkgs; keep it outside this repository) as upstream-hook,
#               with the same arguments as auto. It parses with pyelftools and
#               forks the patchelf found in PATH. Its NIX_BINTOOLS is a fake
#               bintools dir made in CORPUS (orig-libc/lib = CORPUS/libc).
# UPSTREAM_PYTHON=PROG  the Python that has pyelftools (default python3; on
#               Debian, python3-pyelftools is only seen by /usr/bin/python3).
#
# --libc-dir, for every tool, is CORPUS/libc: glibc's libraries only, as in
# a Nix build (made here when a corpus from before it lacks it).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
corpus=$(cd "${1:?usage: run.sh CORPUS [RUNS]}" && pwd)
runs=${2:-3}
tree=$corpus/site-packages
gopatchelf=$corpus/gopatchelf
probe=$corpus/probe
mapfile -t libdirs <"$corpus/libs"
# shellcheck source-path=SCRIPTDIR source=libc.sh
source "$here/libc.sh"
make_libc_dir "$corpus"
libc=$corpus/libc

restore="rm -rf '$tree' && cp -a --reflink=never '$corpus/pristine' '$tree' && sync"
auto=("$gopatchelf" auto --paths "$tree" --libs "${libdirs[@]}" --libc-dir "$libc" --ignore-missing '*')
printf -v auto_cmd '%q ' "${auto[@]}"

# upstream: the nixpkgs hook's script, when UPSTREAM_AUTO_PATCHELF names it.
upstream_cmd=
upstream_bench=()
if [[ -n ${UPSTREAM_AUTO_PATCHELF:-} ]]; then
	script=$(realpath "$UPSTREAM_AUTO_PATCHELF")
	python=${UPSTREAM_PYTHON:-python3}
	if ! "$python" -c 'import elftools' 2>/dev/null; then
		echo "run.sh: $python cannot import elftools (pyelftools); set UPSTREAM_PYTHON" >&2
		exit 1
	fi
	# The script reads nix-support/dynamic-linker and nix-support/orig-libc,
	# and takes orig-libc + /lib as the libc dir.
	bintools=$corpus/upstream-bintools
	rm -rf "$bintools"
	mkdir -p "$bintools/nix-support"
	echo "$libc/ld-linux-x86-64.so.2" >"$bintools/nix-support/dynamic-linker"
	mkdir -p "$bintools/libc"
	ln -s "$libc" "$bintools/libc/lib"
	echo "$bintools/libc" >"$bintools/nix-support/orig-libc"
	upstream=("$python" "$script" --paths "$tree" --libs "${libdirs[@]}" --ignore-missing '*')
	printf -v upstream_cmd 'NIX_BINTOOLS=%q %s' "$bintools" "$(printf '%q ' "${upstream[@]}")"
	upstream_bench=(-n upstream-hook "$upstream_cmd >/dev/null")
fi

# The edits auto makes, as a patchelf loop.
bash -c "$restore"
"${auto[@]}" --dry-run --structured-logs |
	python3 -c '
import json, shlex, sys
for line in sys.stdin:
    ev = json.loads(line)
    if "SetRpath" in ev:
        e = ev["SetRpath"]
        print("patchelf --set-rpath %s %s" % (shlex.quote(e["rpath"]), shlex.quote(e["file"])))
' >"$corpus/patchelf-loop.sh"
edits=$(wc -l <"$corpus/patchelf-loop.sh")
files=$(find "$tree" -type f | wc -l)
size=$(du -sh "$tree" | cut -f1)
elfs=$("$probe" floor -level a "$tree" | sed -E 's/.* ([0-9]+) ELF.*/\1/')
echo "corpus: $files files, $elfs ELF, $size; auto makes $edits edits; $(nproc) cores" >&2

hyperfine --warmup 1 --runs "$runs" --prepare "$restore" --export-json "$corpus/hyperfine.json" \
	-n auto "$auto_cmd >/dev/null" \
	-n auto-nix "NIX_BUILD_TOP=$corpus $auto_cmd >/dev/null" \
	-n patchelf-loop "bash $corpus/patchelf-loop.sh" \
	-n floor-a "$probe floor -level a $tree" \
	-n floor-b "$probe floor -level b $tree" \
	-n floor-c "$probe floor -level c $tree" \
	-n floor-c-nofsync "$probe floor -level c -fsync=false $tree" \
	"${upstream_bench[@]}"
bash -c "$restore"
"${auto[@]}" >/dev/null
hyperfine --runs "$runs" --export-json "$corpus/hyperfine-again.json" -n auto-again "$auto_cmd >/dev/null"

# Peak RSS.
bash -c "$restore"
/usr/bin/time -v "${auto[@]}" 2>"$corpus/time-auto.txt" >/dev/null || true
bash -c "$restore"
/usr/bin/time -v "$probe" floor -level b "$tree" 2>"$corpus/time-floor-b.txt" >/dev/null
rss=(auto floor-b)
if [[ -n $upstream_cmd ]]; then
	# One more run: its peak RSS (the largest process: python, not
	# patchelf), its log, and how many patchelf processes it forked.
	bash -c "$restore"
	/usr/bin/time -v -o "$corpus/time-upstream-hook.txt" bash -c "$upstream_cmd" >"$corpus/upstream-hook.log"
	rss+=(upstream-hook)
	echo "upstream-hook forked $(grep -Ec '^(setting RPATH to:|setting interpreter of)' "$corpus/upstream-hook.log")" \
		"patchelf processes ($(grep -c '^setting RPATH to:' "$corpus/upstream-hook.log") --set-rpath);" \
		"log in $corpus/upstream-hook.log" >&2
fi
for f in "${rss[@]}"; do
	echo "peak RSS $f: $(awk -F': ' '/Maximum resident/ {print $2}' "$corpus/time-$f.txt") KiB" >&2
done

# Ratios.
python3 - "$corpus/hyperfine.json" "$corpus/hyperfine-again.json" <<'PY'
import json, sys
r = {}
for f in sys.argv[1:]:
    for x in json.load(open(f))["results"]:
        r[x["command"]] = x
auto = r["auto"]["mean"]
for name, x in r.items():
    print("%-16s mean %8.3fs  min %8.3fs  auto/this %6.2f" % (name, x["mean"], x["min"], auto / x["mean"]))
def ratio(a, b):
    print("%s / %s = %.2fx (means), %.2fx (minimums)" % (a, b, r[a]["mean"] / r[b]["mean"], r[a]["min"] / r[b]["min"]))
for b in ("auto", "auto-nix"):
    ratio("patchelf-loop", b)
    if "upstream-hook" in r:
        ratio("upstream-hook", b)
    ratio("floor-b", b)
PY

# Where the time goes.
bash -c "$restore"
libs_colon=$(IFS=:; echo "${libdirs[*]}")
"$probe" auto -cpuprofile "$corpus/cpu.prof" -paths "$tree" -libs "$libs_colon" -libc-dir "$libc"
go tool pprof -top -nodecount 25 "$probe" "$corpus/cpu.prof" 2>/dev/null | head -32
