#!/usr/bin/env bash
# Builds the corpus of the benchmark: real Python extension modules from
# Debian packages in a site-packages-like tree, and their library
# dependencies in fake Nix store directories with RUNPATH removed.
#
#   bench/corpus/build.sh OUT [SCALE]
#
# OUT/site-packages  ~17,000 x SCALE files, ~1,000 x SCALE of them ELF:
#                    copies of the packages' dist-packages trees, padded
#                    with copies of their .py files
# OUT/store/HASH-PKG/lib   each dependency package's libraries, flattened
# OUT/libs           the list of store lib dirs, one a line (for --libs)
# OUT/libc           glibc's libraries only (for --libc-dir; see libc.sh)
# OUT/debs           the downloaded .deb files (reused when present)
#
# Needs apt-get (download only: nothing is installed), dpkg-deb, and go.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:?usage: build.sh OUT [SCALE]}
scale=${2:-1}
elf_target=$((1000 * scale))
file_target=$((17000 * scale))

# The Python packages, chosen for the authentik workload (lxml, xmlsec,
# psycopg2, cryptography, gssapi) and for size (numpy, scipy, pil).
python_pkgs=(python3-lxml python3-xmlsec python3-numpy python3-scipy python3-psycopg2
	python3-cryptography python3-pil python3-gssapi python3-yaml python3-markupsafe
	python3-cffi-backend python3-zmq python3-regex python3-msgpack python3-greenlet
	python3-bcrypt python3-nacl python3-psutil python3-brotli python3-zstandard)
# Never copied to the store: glibc (OUT/libc is the libc dir), libcrypt,
# Python itself, and packages without libraries.
skip_deps='^(libc6|libc6-dev|libcrypt1|python3.*|libpython3.*|dpkg|debconf|.*-common|.*-data|.*-bin|tzdata|perl.*)$'

mkdir -p "$out/debs"
out=$(cd "$out" && pwd)
gopatchelf="$out/gopatchelf"
probe="$out/probe"
(cd "$root" && go build -o "$gopatchelf" ./cmd/gopatchelf && go build -o "$probe" ./bench/corpus/probe)
# count_elf DIR: the number of ELF files under DIR.
count_elf() { "$probe" floor -level a "$1" | sed -E 's/.* ([0-9]+) ELF.*/\1/'; }

# deps PKG...: the library packages PKG... depend on, recursively: lib*,
# and zlib1g (libz.so.1, needed by PIL, libxml2, ...), the only other one.
deps() {
	apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances --recurse "$@" 2>/dev/null |
		awk '/^ *(PreDepends|Depends):/ {print $2}' | tr -d '<>' |
		grep -E '^(lib|zlib1g(:any)?$)' | grep -Ev "$skip_deps" | sed 's/:any$//' | sort -u
}

if [[ ! -f $out/debs/.done ]]; then
	mapfile -t dep_pkgs < <(deps "${python_pkgs[@]}")
	echo "build.sh: downloading ${#python_pkgs[@]} python packages and ${#dep_pkgs[@]} library packages" >&2
	cd "$out/debs"
	if ! apt-get download "${python_pkgs[@]}" "${dep_pkgs[@]}" >/dev/null 2>&1; then
		for p in "${python_pkgs[@]}" "${dep_pkgs[@]}"; do
			apt-get download "$p" >/dev/null 2>&1 || echo "build.sh: cannot download $p" >&2
		done
	fi
	cd - >/dev/null
	printf '%s\n' "${python_pkgs[@]}" >"$out/debs/.python"
	touch "$out/debs/.done"
fi

rm -rf "$out/site-packages" "$out/store" "$out/pristine" "$out/x" "$out/libc"
mkdir -p "$out/site-packages" "$out/store" "$out/x"
# shellcheck source-path=SCRIPTDIR source=libc.sh
source "$here/libc.sh"
make_libc_dir "$out"

is_python() { grep -qx "$1" "$out/debs/.python"; }

# Extract: python packages into one dist-packages; others into the store.
for deb in "$out"/debs/*.deb; do
	pkg=$(dpkg-deb -f "$deb" Package)
	if is_python "$pkg"; then
		dpkg-deb -x "$deb" "$out/x/py"
		continue
	fi
	hash=$(printf '%s' "$pkg" | sha256sum | cut -c1-32)
	dir="$out/store/$hash-$pkg"
	dpkg-deb -x "$deb" "$out/x/$pkg"
	mkdir -p "$dir/lib"
	# Flatten the multiarch lib dirs; keep symlinks as symlinks.
	find "$out/x/$pkg" \( -type f -o -type l \) -name '*.so*' -path '*/lib/*' \
		-exec cp -P -t "$dir/lib" {} + 2>/dev/null || true
	if rmdir "$dir/lib" 2>/dev/null; then
		rmdir "$dir"
	fi
done

# RUNPATH removed with our own tool, as a Nix fixup would leave them.
find "$out/store" -type f -name '*.so*' -print0 |
	xargs -0 -r -n 200 "$gopatchelf" patchelf --remove-rpath 2>/dev/null || true
find "$out/store" -mindepth 2 -maxdepth 2 -type d -name lib | sort >"$out/libs"

# One site-packages copy: dist-packages of all python packages.
src="$out/x/py/usr/lib/python3/dist-packages"
one_elf=$(count_elf "$src")
one_files=$(find "$src" -type f | wc -l)
copies=$(((elf_target + one_elf - 1) / one_elf))
echo "build.sh: one copy has $one_files files, $one_elf ELF; making $copies copies" >&2
for i in $(seq -w 1 "$copies"); do
	cp -a "$src" "$out/site-packages/venv$i"
done
# Pad with .py files to reach the file count.
have=$(find "$out/site-packages" -type f | wc -l)
mapfile -t pys < <(find "$src" -type f -name '*.py' | sort)
pad=0
while ((have < file_target)); do
	d="$out/site-packages/pad/$((pad / 1000))"
	mkdir -p "$d"
	cp "${pys[pad % ${#pys[@]}]}" "$d/m$pad.py"
	pad=$((pad + 1))
	have=$((have + 1))
done
rm -rf "$out/x"

elfs=$(count_elf "$out/site-packages")
echo "build.sh: $out/site-packages: $have files, $elfs ELF, $(du -sh "$out/site-packages" | cut -f1);" \
	"store: $(wc -l <"$out/libs") lib dirs, $(du -sh "$out/store" | cut -f1)" >&2
cp -a "$out/site-packages" "$out/pristine"
