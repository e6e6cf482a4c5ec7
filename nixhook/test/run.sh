#!/usr/bin/env bash
# Tests for nixhook/setup-hook.sh that need no Nix.
#
# Every scenario is a small "derivation" built by stdenv.sh (our stand-in for nixpkgs' stdenv
# setup) in a fake store under a temporary directory, once with plain attributes and once with
# __structuredAttrs. Two kinds of scenarios:
#   - argv: the hook calls a fake gopatchelf that records its command line, which must be exactly
#     what nixpkgs' auto-patchelf.sh passes to its script (contract section 1);
#   - real: the hook calls the real gopatchelf (built from ./cmd/gopatchelf) on programs and
#     libraries compiled here with gcc; afterwards the patched programs are run, and they can only
#     find their libraries through the RUNPATH that was written.
# Lint checks (lint.sh) run first. The last line is "N passed, M failed[, K skipped]".
#
# Environment: GOPATCHELF=path uses that binary instead of building one; NIXHOOK_TEST_KEEP=1
# keeps the temporary directory.

# Derivation attributes are shell code for the build, so they are single-quoted on purpose (SC2016);
# $out, $lib, $debug are set through printf -v by drv_outputs (SC2154).
# shellcheck disable=SC2016,SC2154

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=nixhook/test/lib.sh
source "$here/lib.sh"
# shellcheck source=nixhook/test/lint.sh
source "$here/lint.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nixhook-test.XXXXXX")
cleanup() {
    if [[ -n "${NIXHOOK_TEST_KEEP-}" ]]; then
        echo "kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

FIX=$tmp/fixtures # compiled test programs and libraries
S=$tmp/store      # the fake store; names are chosen so that no path is a substring of another

######################################################################
# Fixtures: libraries and programs, and the fake store around them.

cc_lib() { # cc_lib FILE NAME VALUE [GCC ARG...]: a library whose soname is FILE
    local file="$1" name="$2" value="$3"
    shift 3
    gcc -shared -fPIC -o "$FIX/$file" "-Wl,-soname,$file" "-DNAME=$name" "-DVALUE=$value" \
        "$here/c/lib.c" "$@"
}

cc_prog() { # cc_prog FILE CALLS [GCC ARG...]
    local file="$1" calls="$2"
    shift 2
    gcc -o "$FIX/$file" "-DCALLS=$calls" "$here/c/prog.c" -L"$FIX" "-Wl,-rpath-link,$FIX" "$@"
}

build_fixtures() {
    mkdir -p "$FIX"
    cc_lib libfoo.so.1 foo_value 42
    ln -s libfoo.so.1 "$FIX/libfoo.so"
    cc_lib libbar.so bar_value 1 -DDEP=foo_value -L"$FIX" -lfoo
    cc_lib libmissing.so.1 missing_value 7
    ln -s libmissing.so.1 "$FIX/libmissing.so"
    cc_lib libnat.so.1 nat_value 5
    ln -s libnat.so.1 "$FIX/libnat.so"
    cc_lib librtplug.so plugin_value 99
    cc_lib libextra.so extra_value 8
    cc_lib libvend.so vend_value 11
    cc_lib libdeep.so deep_value 13

    cc_prog prog 'X(foo_value) X(bar_value)' -lfoo -lbar
    cc_prog needs-missing 'X(missing_value)' -lmissing
    cc_prog uses-nat 'X(nat_value)' -lnat
    cc_prog uses-vend 'X(vend_value)' -lvend
    cc_prog uses-deep 'X(deep_value)' -ldeep
    gcc -o "$FIX/dlopen" "$here/c/dlopen.c"
}

# make_hook_pkg NAME BINPKG: the hook as makeSetupHook installs it, @gopatchelf@ filled in, with
# gopatchelf and bintools as propagated build inputs.
make_hook_pkg() {
    mkdir -p "$S/$1/nix-support"
    sed "s|@gopatchelf@|$S/$2/bin/gopatchelf|g" "$repo/nixhook/setup-hook.sh" > "$S/$1/nix-support/setup-hook"
    echo "$S/$2 $S/bintools" > "$S/$1/nix-support/propagated-build-inputs"
}

build_store() {
    mkdir -p "$S/foo/lib" "$S/natdep/lib" "$S/rtdep/lib" "$S/extradir"
    cp "$FIX/libfoo.so.1" "$S/foo/lib/"
    ln -s libfoo.so.1 "$S/foo/lib/libfoo.so"
    cp "$FIX/libnat.so.1" "$S/natdep/lib/"
    cp "$FIX/librtplug.so" "$S/rtdep/lib/"
    cp "$FIX/libextra.so" "$S/extradir/"

    # A libc package: the system's loader and libc, linked under a store path of their own, so
    # that setting the interpreter is visible and libc dependencies are recognised by directory.
    local interp libcdir l
    interp=$(interp_of "$FIX/prog")
    libcdir=$(dirname "$(readlink -f "$(gcc -print-file-name=libc.so.6)")")
    mkdir -p "$S/glibc/lib"
    ln -s "$interp" "$S/glibc/lib/$(basename "$interp")"
    for l in libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1; do
        if [[ -e "$libcdir/$l" ]]; then ln -s "$libcdir/$l" "$S/glibc/lib/$l"; fi
    done
    LOADER="$S/glibc/lib/$(basename "$interp")"

    # The bintools wrapper: what NIX_BINTOOLS points at, set by its own setup hook.
    mkdir -p "$S/bintools/nix-support"
    echo "$LOADER" > "$S/bintools/nix-support/dynamic-linker"
    echo "$S/glibc" > "$S/bintools/nix-support/orig-libc"
    echo "export NIX_BINTOOLS=$S/bintools" > "$S/bintools/nix-support/setup-hook"

    # A fake gopatchelf that records each command line (one argument per line).
    mkdir -p "$S/argv-bin/bin"
    cat > "$S/argv-bin/bin/gopatchelf" <<'EOF'
#!/usr/bin/env bash
{ printf '%s\n' "$@"; echo "-- end of call --"; } >> "${NIXHOOK_TEST_LOG:?}"
exit "${NIXHOOK_TEST_FAKE_EXIT:-0}"
EOF
    chmod +x "$S/argv-bin/bin/gopatchelf"
    make_hook_pkg argv-hook argv-bin
    make_hook_pkg second-argv-hook argv-bin

    if [[ -n "$GOPATCHELF_BIN" ]]; then
        mkdir -p "$S/gpe-bin/bin"
        cp "$GOPATCHELF_BIN" "$S/gpe-bin/bin/gopatchelf"
        make_hook_pkg gpe-hook gpe-bin
    fi
}

# The real gopatchelf: $GOPATCHELF, else built from the repository. Real scenarios are skipped
# while cmd/gopatchelf does not exist, and fail if it does but does not build.
GOPATCHELF_BIN=
GOPATCHELF_SKIP_REASON=
GOPATCHELF_BUILD_ERROR=
find_gopatchelf() {
    if [[ -n "${GOPATCHELF-}" ]]; then
        if [[ -x "$GOPATCHELF" ]]; then
            GOPATCHELF_BIN="$GOPATCHELF"
        else
            GOPATCHELF_BUILD_ERROR="GOPATCHELF=$GOPATCHELF is not an executable file"
        fi
    elif [[ ! -d "$repo/cmd/gopatchelf" ]]; then
        GOPATCHELF_SKIP_REASON="cmd/gopatchelf does not exist yet"
    elif (cd "$repo" && go build -o "$tmp/gopatchelf" ./cmd/gopatchelf) > "$tmp/go-build.log" 2>&1; then
        GOPATCHELF_BIN="$tmp/gopatchelf"
    else
        GOPATCHELF_BUILD_ERROR="go build ./cmd/gopatchelf failed: $(tail -n 20 "$tmp/go-build.log")"
    fi
}

######################################################################
# ELF inspection and running programs.

interp_of() {
    readelf -lW "$1" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p'
}

runpath_of() {
    readelf -dW "$1" | sed -n 's/.*(RUNPATH).*Library runpath: \[\(.*\)\]$/\1/p'
}

rpath_of() {
    readelf -dW "$1" | sed -n 's/.*(RPATH).*Library rpath: \[\(.*\)\]$/\1/p'
}

# run_prog FILE [ARG...]: runs FILE in an empty environment (no LD_LIBRARY_PATH).
run_prog() {
    env -i PATH=/usr/bin:/bin "$@"
}

assert_runs() { # assert_runs EXPECTED_OUTPUT FILE [ARG...]
    local expected="$1" out
    shift
    if ! out=$(run_prog "$@" 2>&1); then
        fail "$1 did not run: $out"
    fi
    assert_eq "$expected" "$out" "output of $*"
}

assert_does_not_run() {
    if run_prog "$@" > /dev/null 2>&1; then
        fail "$1 ran, but it should not find its libraries"
    fi
}

######################################################################
# Derivations: attributes as Nix passes them, with or without structured attributes.

# drv_new NAME MODE: starts a derivation; MODE is plain or structured.
drv_new() {
    drv_name="$1-$2"
    drv_mode="$2"
    drv_env=()
    drv_attrs=""
    drv_extra_env=()
    drv_dir="$tmp/build/$drv_name"
    rm -rf "$drv_dir"
    mkdir -p "$drv_dir/build"
    LOG="$drv_dir/log"
    : > "$LOG"
    drv_str FIX "$FIX"
    drv_outputs out
}

drv_str() { # drv_str NAME VALUE
    drv_env+=("$1=$2")
    drv_attrs+="declare $1=$(printf '%q' "$2")"$'\n'
}

drv_list() { # drv_list NAME VALUE...: a Nix list
    local name="$1"
    shift
    local IFS=' '
    drv_env+=("$name=$*")
    if (( $# == 0 )); then
        drv_attrs+="declare -a $name=()"$'\n'
    else
        drv_attrs+="declare -a $name=($(printf '%q ' "$@"))"$'\n'
    fi
}

drv_bool() { # drv_bool NAME true|false
    if [[ "$2" == true ]]; then drv_str "$1" 1; else drv_str "$1" ""; fi
}

# drv_outputs NAME...: declares the outputs; their paths are $out, $lib, ... in the test too.
drv_outputs() {
    drv_output_names=("$@")
    drv_output_env=()
    local name path decl="declare -A outputs=("
    for name in "$@"; do
        if [[ "$name" == out ]]; then path="$S/$drv_name"; else path="$S/$drv_name-$name"; fi
        rm -rf "$path"
        printf -v "$name" '%s' "$path"
        drv_output_env+=("$name=$path")
        decl+="[$name]=$(printf '%q' "$path") "
    done
    local IFS=' '
    drv_output_env+=("outputs=$*")
    drv_outputs_decl="$decl)"
}

# expected_output_paths: the existing outputs except debug, in getAllOutputNames order.
expected_output_paths() {
    local -a names=()
    if [[ "$drv_mode" == structured ]]; then
        local -A order=()
        local n
        for n in "${drv_output_names[@]}"; do order[$n]=1; done
        read -r -a names <<< "${!order[*]}"
    else
        names=("${drv_output_names[@]}")
    fi
    local name
    for name in "${names[@]}"; do
        [[ "$name" != debug && -e "${!name}" ]] || continue
        echo "${!name}"
    done
}

# drv_build: runs stdenv.sh in the build directory; sets drv_rc, drv_stdout, drv_stderr.
drv_build() {
    local b="$drv_dir/build"
    # Files that an unquoted * would expand to (stdenv runs with nullglob).
    touch "$b/decoy.so.1" "$b/libdecoy.so"
    local -a env=(env -i PATH=/usr/bin:/bin HOME=/homeless-shelter "NIX_BUILD_TOP=$b" "TMPDIR=$b"
        "NIXHOOK_TEST_LOG=$LOG" ${drv_extra_env[@]+"${drv_extra_env[@]}"})
    set +e
    if [[ "$drv_mode" == structured ]]; then
        printf '%s%s\n' "$drv_attrs" "$drv_outputs_decl" > "$b/.attrs.sh"
        (cd "$b" && "${env[@]}" bash "$here/stdenv.sh") > "$drv_dir/stdout" 2> "$drv_dir/stderr"
    else
        (cd "$b" && "${env[@]}" "${drv_env[@]}" "${drv_output_env[@]}" bash "$here/stdenv.sh") > "$drv_dir/stdout" 2> "$drv_dir/stderr"
    fi
    drv_rc=$?
    set -e
    drv_stdout=$(< "$drv_dir/stdout")
    drv_stderr=$(< "$drv_dir/stderr")
}

drv_build_ok() {
    drv_build
    if (( drv_rc != 0 )); then
        printf 'build of %s failed with status %d\n--- stdout\n%s\n--- stderr\n%s\n' \
            "$drv_name" "$drv_rc" "$drv_stdout" "$drv_stderr" >&2
        exit 1
    fi
}

drv_build_fails() {
    drv_build
    if (( drv_rc == 0 )); then
        printf 'build of %s succeeded but should have failed\n--- stdout\n%s\n--- stderr\n%s\n' \
            "$drv_name" "$drv_stdout" "$drv_stderr" >&2
        exit 1
    fi
    assert_not_contains "$drv_stdout" "stdenv.sh: build finished" "the build stops at the failure"
}

# The log as lines; a gopatchelf call is its arguments followed by "-- end of call --".
log_lines() {
    cat "$LOG"
}

call_lines() { # call_lines ARG...: the log lines of one call with these arguments
    printf '%s\n' "$@" "-- end of call --"
}

######################################################################
# argv scenarios: the exact command line.

ARGV_LIBS_DEFAULT=() # libs gathered for nativeBuildInputs=(argv-hook) buildInputs=(foo), no strictDeps
init_argv_libs() {
    # Without strictDeps every env hook runs over every dependency, and gatherLibraries is
    # registered for both host-offset hook arrays, so each dependency is gathered twice.
    local once=("$S/argv-hook/lib" "$S/argv-bin/lib" "$S/bintools/lib" "$S/foo/lib")
    ARGV_LIBS_DEFAULT=("${once[@]}" "${once[@]}")
}

t_argv_defaults() {
    drv_new argv-defaults "$1"
    drv_outputs out lib dev debug
    drv_list nativeBuildInputs "$S/argv-hook"
    drv_list buildInputs "$S/foo"
    drv_str installPhase 'mkdir -p "$out/bin" "$lib/lib" "$debug/lib/debug"; echo installPhase >> "$NIXHOOK_TEST_LOG"'
    drv_str preFixup 'echo preFixup >> "$NIXHOOK_TEST_LOG"'
    drv_str postFixup 'echo postFixup >> "$NIXHOOK_TEST_LOG"'
    drv_build_ok
    local -a paths
    mapfile -t paths < <(expected_output_paths)
    assert_eq "2" "${#paths[@]}" "out and lib exist; dev does not; debug is skipped"
    assert_eq "$(printf '%s\n' installPhase preFixup postFixup
        call_lines auto --ignore-missing --paths "${paths[@]}" --libs "${ARGV_LIBS_DEFAULT[@]}" \
            --runtime-dependencies --append-rpaths --extra-args)" "$(log_lines)" \
        "one call after the derivation's postFixup, debug output skipped"
}

t_argv_everything() {
    drv_new argv-everything "$1"
    drv_list nativeBuildInputs "$S/argv-hook"
    drv_list buildInputs "$S/foo"
    drv_bool strictDeps true
    drv_list autoPatchelfIgnoreMissingDeps '*' 'libx.so.*'
    drv_list runtimeDependencies "$S/rtdep" "$S/foo"
    drv_list appendRunpaths /opt/a '$ORIGIN/../lib'
    drv_list patchelfFlags --force-rpath --page-size 65536
    drv_list autoPatchelfFlags --keep-libc --preserve-origin
    drv_bool autoPatchelfRelativeRpaths true
    drv_bool autoPatchelfResolutionCache true
    drv_str installPhase 'mkdir -p "$out"'
    drv_build_ok
    assert_eq "$(call_lines auto --ignore-missing '*' 'libx.so.*' --paths "$out" --libs "$S/foo/lib" \
        --runtime-dependencies "$S/rtdep/lib" "$S/foo/lib" --append-rpaths /opt/a '$ORIGIN/../lib' \
        --keep-libc --preserve-origin --relative-rpaths --resolution-cache \
        --extra-args --force-rpath --page-size 65536)" "$(log_lines)" "every variable in its place"
}

t_argv_flags_off() {
    drv_new argv-flags-off "$1"
    drv_list nativeBuildInputs "$S/argv-hook"
    drv_bool strictDeps true
    drv_bool autoPatchelfRelativeRpaths false
    drv_bool autoPatchelfResolutionCache false
    drv_list autoPatchelfIgnoreMissingDeps
    drv_str installPhase 'mkdir -p "$out"'
    drv_build_ok
    assert_eq "$(call_lines auto --ignore-missing --paths "$out" --libs --runtime-dependencies \
        --append-rpaths --extra-args)" "$(log_lines)" "false and empty lists add nothing"
}

WARNING_TRUE="autoPatchelf: WARNING: setting 'autoPatchelfIgnoreMissingDeps = true;' is deprecated and will be removed in a future release. Use 'autoPatchelfIgnoreMissingDeps = [ \"*\" ];' instead."

t_argv_legacy_true() {
    drv_new argv-legacy-true "$1"
    drv_list nativeBuildInputs "$S/argv-hook"
    drv_bool strictDeps true
    drv_bool autoPatchelfIgnoreMissingDeps true
    drv_str installPhase 'mkdir -p "$out"'
    drv_build_ok
    assert_eq "$(call_lines auto --ignore-missing '*' --paths "$out" --libs --runtime-dependencies \
        --append-rpaths --extra-args)" "$(log_lines)" "true becomes a literal *"
    assert_eq "$WARNING_TRUE" "$drv_stderr" "the deprecation warning, alone on stderr"
}

t_argv_globbing_concatto() {
    drv_new argv-globbing-concatto "$1"
    drv_list nativeBuildInputs "$S/argv-hook"
    drv_bool strictDeps true
    drv_list autoPatchelfIgnoreMissingDeps '*' 'lib*.so'
    drv_list autoPatchelfFlags --keep-libc
    drv_str installPhase 'mkdir -p "$out"'
    drv_extra_env+=(NIXHOOK_TEST_GLOBBING_CONCATTO=1)
    drv_build_ok
    assert_eq "$(call_lines auto --ignore-missing '*' 'lib*.so' --paths "$out" --libs --runtime-dependencies \
        --append-rpaths --keep-libc --extra-args)" "$(log_lines)" \
        "patterns reach gopatchelf verbatim even through a concatTo that globs"
}

t_argv_strictdeps() {
    local strict="$2"
    drv_new "argv-strictdeps-$strict" "$1"
    drv_list nativeBuildInputs "$S/argv-hook" "$S/natdep"
    drv_list buildInputs "$S/foo"
    drv_bool strictDeps "$strict"
    drv_str installPhase 'mkdir -p "$out"'
    drv_build_ok
    local -a libs
    if [[ "$strict" == true ]]; then
        libs=("$S/foo/lib")
    else
        local once=("$S/argv-hook/lib" "$S/argv-bin/lib" "$S/bintools/lib" "$S/natdep/lib" "$S/foo/lib")
        libs=("${once[@]}" "${once[@]}")
    fi
    assert_eq "$(call_lines auto --ignore-missing --paths "$out" --libs "${libs[@]}" \
        --runtime-dependencies --append-rpaths --extra-args)" "$(log_lines)" "libraries gathered (strictDeps=$strict)"
}

t_argv_manual_call() {
    drv_new argv-manual "$1"
    drv_list nativeBuildInputs "$S/argv-hook"
    drv_bool strictDeps true
    drv_bool dontAutoPatchelf true
    drv_str installPhase 'mkdir -p "$out/bin"; autoPatchelf --no-recurse -- "$out/bin"; autoPatchelf -- "$out/bin" "--not-an-option"'
    drv_build_ok
    assert_eq "$(call_lines auto --no-recurse --ignore-missing --paths "$out/bin" --libs \
            --runtime-dependencies --append-rpaths --extra-args
        call_lines auto --ignore-missing --paths "$out/bin" --not-an-option --libs \
            --runtime-dependencies --append-rpaths --extra-args)" "$(log_lines)" \
        "explicit calls, and none from postFixup with dontAutoPatchelf"
}

t_argv_bad_options() {
    drv_new argv-bad-options "$1"
    drv_list nativeBuildInputs "$S/argv-hook"
    drv_bool dontAutoPatchelf true
    drv_str installPhase '
        mkdir -p "$out"
        rc=0; autoPatchelf --bogus "$out" || rc=$?; echo "autoPatchelf returned $rc" >> "$NIXHOOK_TEST_LOG"
        rc=0; addAutoPatchelfSearchPath --frob "$out" || rc=$?; echo "addAutoPatchelfSearchPath returned $rc" >> "$NIXHOOK_TEST_LOG"'
    drv_build_ok
    assert_eq "$(printf '%s\n' 'autoPatchelf returned 1' 'addAutoPatchelfSearchPath returned 1')" "$(log_lines)" \
        "both return 1 and gopatchelf is not called"
    assert_eq "$(printf '%s\n' 'autoPatchelf: ERROR: Invalid command line argument: --bogus' \
        'addAutoPatchelfSearchPath: ERROR: Invalid command line argument: --frob')" "$drv_stderr" "error texts"
}

t_argv_bad_option_fails_build() {
    drv_new argv-bad-option-fails "$1"
    drv_list nativeBuildInputs "$S/argv-hook"
    drv_str installPhase 'mkdir -p "$out"; autoPatchelf --bogus "$out"'
    drv_build_fails
    assert_eq "" "$(log_lines)" "gopatchelf is not called"
}

t_argv_search_path() {
    drv_new argv-search-path "$1"
    drv_list nativeBuildInputs "$S/argv-hook"
    drv_list buildInputs "$S/foo"
    drv_bool strictDeps true
    drv_str installPhase '
        mkdir -p "$out" vendored/sub vendored/dir.so rec/zz rec/sub/deeper rec/empty rec/other rec/aa
        touch vendored/libvend.so vendored/sub/libdeep.so vendored/notalib.txt
        touch rec/zz/libz.so rec/sub/deeper/libd.so rec/aa/liba.so rec/other/README
        touch rec/sub/libq.so.0 rec/aa/libb.so.1 rec/aa/libc.so.2.1 rec/libr.so.1.2'
    drv_str preFixup '
        addAutoPatchelfSearchPath --no-recurse -- "$PWD/vendored"
        addAutoPatchelfSearchPath "$PWD/rec"
        addAutoPatchelfSearchPath
        autoPatchelfLibs=("/custom/lib" "${autoPatchelfLibs[@]}")'
    drv_build_ok
    local b="$drv_dir/build"
    assert_eq "$(call_lines auto --ignore-missing --paths "$out" --libs /custom/lib "$S/foo/lib" \
        "$b/vendored" "$b/rec" "$b/rec/aa" "$b/rec/sub" "$b/rec/sub/deeper" "$b/rec/zz" \
        --runtime-dependencies --append-rpaths --extra-args)" "$(log_lines)" \
        "autoPatchelfLibs as edited, then the search paths, sorted and once each"
}

t_argv_no_accumulation() {
    drv_new argv-no-accumulation "$1"
    drv_list nativeBuildInputs "$S/argv-hook"
    drv_bool strictDeps true
    drv_list runtimeDependencies "$S/rtdep"
    drv_list patchelfFlags --force-rpath
    drv_str installPhase 'mkdir -p "$out"; autoPatchelf -- "$out"'
    drv_build_ok
    local one
    one=$(call_lines auto --ignore-missing --paths "$out" --libs --runtime-dependencies "$S/rtdep/lib" \
        --append-rpaths --extra-args --force-rpath)
    assert_eq "$one"$'\n'"$one" "$(log_lines)" "a second call gets the same flags, not twice as many"
}

t_argv_registered_once() {
    drv_new argv-registered-once "$1"
    drv_list nativeBuildInputs "$S/argv-hook" "$S/second-argv-hook"
    drv_bool strictDeps true
    drv_str installPhase 'mkdir -p "$out"'
    drv_str postFixup 'echo "postFixupHooks: ${postFixupHooks[*]}" >> "$NIXHOOK_TEST_LOG"'
    drv_build_ok
    assert_eq "$(echo "postFixupHooks: autoPatchelfPostFixup"
        call_lines auto --ignore-missing --paths "$out" --libs --runtime-dependencies \
            --append-rpaths --extra-args)" "$(log_lines)" "hook sourced twice, registered and run once"
}

t_argv_exit_status() {
    drv_new argv-exit-status "$1"
    drv_list nativeBuildInputs "$S/argv-hook"
    drv_str installPhase 'mkdir -p "$out"'
    drv_extra_env+=(NIXHOOK_TEST_FAKE_EXIT=3)
    drv_build_fails
    assert_eq 3 "$drv_rc" "gopatchelf's exit status fails the build"
}

######################################################################
# Real scenarios: gopatchelf patches programs that must run afterwards.

need_gopatchelf() {
    if [[ -n "$GOPATCHELF_BUILD_ERROR" ]]; then
        fail "$GOPATCHELF_BUILD_ERROR"
    fi
    if [[ -z "$GOPATCHELF_BIN" ]]; then
        skip_test "$GOPATCHELF_SKIP_REASON"
    fi
}

# real_drv NAME MODE: a derivation using the real hook, with foo in buildInputs.
real_drv() {
    need_gopatchelf
    drv_new "$1" "$2"
    drv_list nativeBuildInputs "$S/gpe-hook"
    drv_list buildInputs "$S/foo"
}

t_real_basic() {
    assert_does_not_run "$FIX/prog"
    real_drv real-basic "$1"
    drv_outputs out lib debug
    drv_str installPhase '
        mkdir -p "$out/bin" "$lib/lib" "$debug/lib/debug"
        cp "$FIX/prog" "$out/bin/"
        cp "$FIX/libbar.so" "$lib/lib/"
        cp "$FIX/needs-missing" "$debug/lib/debug/"'
    drv_build_ok
    assert_eq "$LOADER" "$(interp_of "$out/bin/prog")" "interpreter of prog"
    assert_eq "$S/foo/lib:$lib/lib" "$(runpath_of "$out/bin/prog")" "RUNPATH of prog: found dirs in DT_NEEDED order"
    assert_eq "$S/foo/lib" "$(runpath_of "$lib/lib/libbar.so")" "RUNPATH of libbar.so"
    assert_runs $'foo_value=42\nbar_value=43' "$out/bin/prog"
    cmp "$FIX/needs-missing" "$debug/lib/debug/needs-missing" || fail "the debug output was touched"
}

t_real_dont() {
    real_drv real-dont "$1"
    drv_bool dontAutoPatchelf true
    drv_str installPhase 'mkdir -p "$out/bin" "$out/lib"; cp "$FIX/prog" "$out/bin/"; cp "$FIX/libbar.so" "$out/lib/"'
    drv_build_ok
    assert_eq "" "$(runpath_of "$out/bin/prog")" "no RUNPATH written"
    assert_does_not_run "$out/bin/prog"
}

t_real_missing() {
    real_drv real-missing "$1"
    drv_str installPhase 'mkdir -p "$out/bin"; cp "$FIX/needs-missing" "$FIX/prog" "$out/bin/"; cp "$FIX/libbar.so" "$out/bin/"'
    drv_build_fails
    local all="$drv_stdout"$'\n'"$drv_stderr"
    assert_contains "$all" "error: auto-patchelf could not satisfy dependency libmissing.so.1 wanted by $out/bin/needs-missing" \
        "names the missing library and the file"
    assert_contains "$drv_stderr" "auto-patchelf failed to find all the required dependencies." "final error on stderr"
}

t_real_ignore_star() {
    real_drv real-ignore-star "$1"
    drv_list autoPatchelfIgnoreMissingDeps '*'
    drv_str installPhase 'mkdir -p "$out/bin" "$out/lib"; cp "$FIX/needs-missing" "$FIX/prog" "$out/bin/"; cp "$FIX/libbar.so" "$out/lib/"'
    drv_build_ok
    assert_contains "$drv_stdout"$'\n'"$drv_stderr" \
        "warn: auto-patchelf ignoring missing libmissing.so.1 wanted by $out/bin/needs-missing" "reports the ignored dependency"
    assert_eq "$S/foo/lib:$out/lib" "$(runpath_of "$out/bin/prog")" "RUNPATH of prog"
    assert_runs $'foo_value=42\nbar_value=43' "$out/bin/prog"
    assert_does_not_run "$out/bin/needs-missing"
}

t_real_ignore_list() {
    real_drv real-ignore-list "$1"
    drv_list autoPatchelfIgnoreMissingDeps libother.so.2 'libmiss*.so.1'
    drv_str installPhase 'mkdir -p "$out/bin" "$out/lib"; cp "$FIX/needs-missing" "$FIX/prog" "$out/bin/"; cp "$FIX/libbar.so" "$out/lib/"'
    drv_build_ok
    assert_runs $'foo_value=42\nbar_value=43' "$out/bin/prog"

    real_drv real-ignore-list-nomatch "$1"
    drv_list autoPatchelfIgnoreMissingDeps libother.so.2 libmissing.so
    drv_str installPhase 'mkdir -p "$out/bin"; cp "$FIX/needs-missing" "$out/bin/"'
    drv_build_fails
}

t_real_legacy_true() {
    real_drv real-legacy-true "$1"
    drv_bool autoPatchelfIgnoreMissingDeps true
    drv_str installPhase 'mkdir -p "$out/bin" "$out/lib"; cp "$FIX/needs-missing" "$FIX/prog" "$out/bin/"; cp "$FIX/libbar.so" "$out/lib/"'
    drv_build_ok
    assert_contains "$drv_stderr" "$WARNING_TRUE" "deprecation warning"
    assert_runs $'foo_value=42\nbar_value=43' "$out/bin/prog"
}

t_real_runtime_deps() {
    real_drv real-runtime-deps "$1"
    drv_outputs out lib
    drv_list runtimeDependencies "$S/rtdep"
    drv_str installPhase '
        mkdir -p "$out/bin" "$lib/lib"
        cp "$FIX/dlopen" "$FIX/prog" "$out/bin/"
        cp "$FIX/libbar.so" "$lib/lib/"'
    drv_build_ok
    assert_eq "$S/rtdep/lib" "$(runpath_of "$out/bin/dlopen")" "RUNPATH of dlopen"
    assert_eq "$S/rtdep/lib:$S/foo/lib:$lib/lib" "$(runpath_of "$out/bin/prog")" "runtime deps come first"
    assert_eq "$S/foo/lib" "$(runpath_of "$lib/lib/libbar.so")" "libraries get no runtime dependencies"
    assert_runs "plugin_value=99" "$out/bin/dlopen" librtplug.so plugin_value
    assert_runs $'foo_value=42\nbar_value=43' "$out/bin/prog"
}

t_real_append_runpaths() {
    real_drv real-append-runpaths "$1"
    drv_list appendRunpaths "$S/extradir"
    drv_str installPhase 'mkdir -p "$out/bin" "$out/lib"; cp "$FIX/dlopen" "$FIX/prog" "$out/bin/"; cp "$FIX/libbar.so" "$out/lib/"'
    drv_build_ok
    assert_eq "$S/extradir" "$(runpath_of "$out/bin/dlopen")" "RUNPATH of dlopen"
    assert_eq "$S/foo/lib:$out/lib:$S/extradir" "$(runpath_of "$out/bin/prog")" "appended last"
    assert_runs "extra_value=8" "$out/bin/dlopen" libextra.so extra_value
    assert_runs $'foo_value=42\nbar_value=43' "$out/bin/prog"
}

t_real_search_path() {
    local b
    real_drv real-search-path-norecurse "$1"
    drv_str installPhase '
        mkdir -p "$out/bin" vendored/sub
        cp "$FIX/libvend.so" vendored/; cp "$FIX/libdeep.so" vendored/sub/
        cp "$FIX/uses-vend" "$out/bin/"'
    drv_str preFixup 'addAutoPatchelfSearchPath --no-recurse "$PWD/vendored"'
    drv_build_ok
    b="$drv_dir/build"
    assert_eq "$b/vendored" "$(runpath_of "$out/bin/uses-vend")" "found in the search path"
    assert_runs "vend_value=11" "$out/bin/uses-vend"

    real_drv real-search-path-recurse "$1"
    drv_str installPhase '
        mkdir -p "$out/bin" vendored/sub
        cp "$FIX/libvend.so" vendored/; cp "$FIX/libdeep.so" vendored/sub/
        cp "$FIX/uses-vend" "$FIX/uses-deep" "$out/bin/"'
    drv_str preFixup 'addAutoPatchelfSearchPath "$PWD/vendored"'
    drv_build_ok
    b="$drv_dir/build"
    assert_eq "$b/vendored/sub" "$(runpath_of "$out/bin/uses-deep")" "found in a subdirectory"
    assert_runs "deep_value=13" "$out/bin/uses-deep"
    assert_runs "vend_value=11" "$out/bin/uses-vend"

    real_drv real-search-path-norecurse-deep "$1"
    drv_str installPhase '
        mkdir -p "$out/bin" vendored/sub
        cp "$FIX/libdeep.so" vendored/sub/; cp "$FIX/uses-deep" "$out/bin/"'
    drv_str preFixup 'addAutoPatchelfSearchPath --no-recurse "$PWD/vendored"'
    drv_build_fails
    assert_contains "$drv_stdout"$'\n'"$drv_stderr" "libdeep.so" "--no-recurse does not look into vendored/sub"
}

t_real_strictdeps() {
    need_gopatchelf
    drv_new real-strictdeps-off "$1"
    drv_list nativeBuildInputs "$S/gpe-hook" "$S/natdep"
    drv_str installPhase 'mkdir -p "$out/bin"; cp "$FIX/uses-nat" "$out/bin/"'
    drv_build_ok
    assert_eq "$S/natdep/lib" "$(runpath_of "$out/bin/uses-nat")" "nativeBuildInputs searched without strictDeps"
    assert_runs "nat_value=5" "$out/bin/uses-nat"

    drv_new real-strictdeps-on "$1"
    drv_list nativeBuildInputs "$S/gpe-hook" "$S/natdep"
    drv_bool strictDeps true
    drv_str installPhase 'mkdir -p "$out/bin"; cp "$FIX/uses-nat" "$out/bin/"'
    drv_build_fails
    assert_contains "$drv_stdout"$'\n'"$drv_stderr" "libnat.so.1" "nativeBuildInputs not searched with strictDeps"
}

t_real_postfixup_order() {
    real_drv real-postfixup-order "$1"
    drv_str installPhase 'mkdir -p "$out/bin" "$out/lib"; cp "$FIX/prog" "$out/bin/"; cp "$FIX/libbar.so" "$out/lib/"'
    drv_str postFixup 'echo "derivation postFixup ran"; mkdir -p "$out/libexec"; cp "$FIX/prog" "$out/libexec/late-prog"'
    drv_build_ok
    local first_ours ours_line
    first_ours=$(grep -n -m1 "$out" "$drv_dir/stdout" | cut -d: -f1 || true)
    ours_line=$(grep -n -m1 "derivation postFixup ran" "$drv_dir/stdout" | cut -d: -f1 || true)
    [[ -n "$first_ours" && -n "$ours_line" ]] || fail "missing output lines:"$'\n'"$drv_stdout"
    (( ours_line < first_ours )) || fail "gopatchelf printed before the derivation's postFixup ran:"$'\n'"$drv_stdout"
    assert_runs $'foo_value=42\nbar_value=43' "$out/libexec/late-prog"
}

t_real_force_rpath() {
    real_drv real-force-rpath "$1"
    drv_list patchelfFlags --force-rpath
    drv_str installPhase 'mkdir -p "$out/bin" "$out/lib"; cp "$FIX/prog" "$out/bin/"; cp "$FIX/libbar.so" "$out/lib/"'
    drv_build_ok
    assert_eq "$S/foo/lib:$out/lib" "$(rpath_of "$out/bin/prog")" "DT_RPATH with --force-rpath"
    assert_eq "" "$(runpath_of "$out/bin/prog")" "no DT_RUNPATH with --force-rpath"
    assert_runs $'foo_value=42\nbar_value=43' "$out/bin/prog"
}

# gopatchelf check (exit 0 clean, 1 problems) agrees with what the loader does, as
# examples/authentik uses it after the hook: clean after the hook, problems without it.
t_real_check() {
    need_gopatchelf
    if ! "$GOPATCHELF_BIN" check --help > /dev/null 2>&1; then
        skip_test "gopatchelf has no check subcommand yet"
    fi
    local -a env=(env -i PATH=/usr/bin:/bin "NIX_BINTOOLS=$S/bintools")
    real_drv real-check "$1"
    drv_str installPhase 'mkdir -p "$out/bin" "$out/lib"; cp "$FIX/prog" "$out/bin/"; cp "$FIX/libbar.so" "$out/lib/"'
    drv_build_ok
    "${env[@]}" "$GOPATCHELF_BIN" check "$out" || fail "gopatchelf check failed on patched files"

    real_drv real-check-unpatched "$1"
    drv_bool dontAutoPatchelf true
    drv_str installPhase 'mkdir -p "$out/bin" "$out/lib"; cp "$FIX/prog" "$out/bin/"; cp "$FIX/libbar.so" "$out/lib/"'
    drv_build_ok
    local rc=0
    "${env[@]}" "$GOPATCHELF_BIN" check "$out" > /dev/null 2>&1 || rc=$?
    assert_eq 1 "$rc" "gopatchelf check on files that cannot load"
}

######################################################################

main() {
    echo "# lint"
    run_lint_tests

    build_fixtures
    find_gopatchelf
    build_store
    init_argv_libs
    if [[ -n "$GOPATCHELF_SKIP_REASON" ]]; then
        echo "# real gopatchelf scenarios will be skipped: $GOPATCHELF_SKIP_REASON"
    fi

    local mode
    for mode in plain structured; do
        echo "# __structuredAttrs: $mode"
        run_test "argv defaults [$mode]" t_argv_defaults "$mode"
        run_test "argv every variable [$mode]" t_argv_everything "$mode"
        run_test "argv false and empty [$mode]" t_argv_flags_off "$mode"
        run_test "argv legacy true [$mode]" t_argv_legacy_true "$mode"
        run_test "argv patterns through a globbing concatTo [$mode]" t_argv_globbing_concatto "$mode"
        run_test "argv strictDeps off [$mode]" t_argv_strictdeps "$mode" false
        run_test "argv strictDeps on [$mode]" t_argv_strictdeps "$mode" true
        run_test "argv manual calls [$mode]" t_argv_manual_call "$mode"
        run_test "argv unknown options [$mode]" t_argv_bad_options "$mode"
        run_test "argv unknown option fails the build [$mode]" t_argv_bad_option_fails_build "$mode"
        run_test "argv addAutoPatchelfSearchPath [$mode]" t_argv_search_path "$mode"
        run_test "argv no accumulation [$mode]" t_argv_no_accumulation "$mode"
        run_test "argv registered once [$mode]" t_argv_registered_once "$mode"
        run_test "argv exit status [$mode]" t_argv_exit_status "$mode"

        run_test "real basic, two outputs and debug [$mode]" t_real_basic "$mode"
        run_test "real dontAutoPatchelf [$mode]" t_real_dont "$mode"
        run_test "real missing dependency fails [$mode]" t_real_missing "$mode"
        run_test "real ignore * [$mode]" t_real_ignore_star "$mode"
        run_test "real ignore list [$mode]" t_real_ignore_list "$mode"
        run_test "real legacy true [$mode]" t_real_legacy_true "$mode"
        run_test "real runtimeDependencies [$mode]" t_real_runtime_deps "$mode"
        run_test "real appendRunpaths [$mode]" t_real_append_runpaths "$mode"
        run_test "real addAutoPatchelfSearchPath [$mode]" t_real_search_path "$mode"
        run_test "real strictDeps [$mode]" t_real_strictdeps "$mode"
        run_test "real postFixup order [$mode]" t_real_postfixup_order "$mode"
        run_test "real --force-rpath [$mode]" t_real_force_rpath "$mode"
        run_test "real gopatchelf check after the hook [$mode]" t_real_check "$mode"
    done

    summary
}

main "$@"
