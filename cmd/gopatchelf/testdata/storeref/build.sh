#!/bin/sh
# Rebuilds rodata-prog.gz: an x86-64 program built the way a C extension is
# built inside a Nix fixed-output derivation, with a store path in .rodata,
# in its debug information (its sources "come from" the store), in RUNPATH
# and in PT_INTERP. The store paths are made up; the program runs once its
# interpreter is a real loader (gopatchelf scrub gives it one).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/main.c" <<'C'
#include <stdio.h>
static const char where[] = "/nix/store/1b8xprl9kb4d0q2aywrlgkwddc7s3xjm-foo-1.0/lib";
int main(void) { puts(where); return 0; }
C
cd "$tmp"
gcc -g -O1 -o rodata-prog main.c \
  -fdebug-prefix-map="$tmp"=/nix/store/0c7yzr2x3nvqjx7sz8bqmvw5gm5hkz1a-source \
  -Wl,--build-id=sha1 \
  -Wl,--enable-new-dtags,-rpath,'/nix/store/0c7yzr2x3nvqjx7sz8bqmvw5gm5hkz1a-glibc-2.40-66/lib:$ORIGIN' \
  -Wl,--dynamic-linker=/nix/store/0c7yzr2x3nvqjx7sz8bqmvw5gm5hkz1a-glibc-2.40-66/lib/ld-linux-x86-64.so.2
gzip -9n < rodata-prog > "$here/rodata-prog.gz"
