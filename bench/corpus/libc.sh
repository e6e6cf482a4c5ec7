# shellcheck shell=bash
# Sourced by build.sh and run.sh.

# make_libc_dir CORPUS: makes CORPUS/libc, the --libc-dir of the benchmark,
# unless it exists. In a Nix build the libc dir ($NIX_BINTOOLS/nix-support/
# orig-libc + /lib) holds glibc's libraries only, so it is made of the
# shared libraries of Debian's libc6 in the multiarch lib dir (the loader
# among them), not the host's whole /lib/<triple>: there libpq, libxml2,
# krb5, ... would count as libc and their users get no RUNPATH.
# The files are copied, not linked: both tools only stat them, but copies
# (~5 MB) keep the corpus self-contained and the same after a host upgrade.
make_libc_dir() {
	local dir=$1/libc arch tmp
	[[ -d $dir ]] && return 0
	arch=$(dpkg --print-architecture)
	tmp=$(mktemp -d "$1/libc.XXXXXX")
	chmod 755 "$tmp"
	dpkg -L "libc6:$arch" | grep -E '^(/usr)?/lib/[^/]+-linux-gnu[^/]*/[^/]+\.so[^/]*$' |
		xargs -r cp -L -t "$tmp"
	if ! [[ -e $tmp/libc.so.6 ]]; then
		rm -rf "$tmp"
		echo "make_libc_dir: found no libc.so.6 in dpkg -L libc6:$arch" >&2
		return 1
	fi
	mv "$tmp" "$dir"
}
