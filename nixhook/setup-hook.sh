# shellcheck shell=bash
#
# gopatchelfHook: a drop-in for nixpkgs' autoPatchelfHook (auto-patchelf.sh).
#
# It defines the same names with the same behaviour (see the autoPatchelf contract, section 1) and runs
# `gopatchelf auto` with the command line the original passes to its Python script, so a derivation can
# swap `autoPatchelfHook` for `gopatchelfHook` in nativeBuildInputs and change nothing else.
#
# Differences from the original, all deliberate:
#   - the flag arrays are local to each autoPatchelf call, so a second call does not repeat the flags of
#     the first one (upstream's arrays are global and grow on every call);
#   - addAutoPatchelfSearchPath records directories in sorted order instead of readdir order, and
#     does nothing when given no PATH (upstream's find would then search the current directory);
#   - autoPatchelfPostFixup is registered only once even if this file is sourced twice;
#   - output paths are passed as an array, never word-split or glob-expanded, and concatTo runs with
#     globbing off (some stdenv releases expanded a "*" in autoPatchelfIgnoreMissingDeps);
#   - autoPatchelfResolutionCache (non-empty) adds --resolution-cache.
#
# This file is a setup hook: stdenv sources it while `set -eu -o pipefail` and `shopt -s nullglob`
# are in force, so every expansion below is quoted or guarded. It needs stdenv's concatTo
# (nixpkgs 24.11 or later). The path below is filled in by makeSetupHook's substitutions.

# Directories passed to --libs. gatherLibraries fills the first array; derivations may edit it.
# -g: stdenv sources setup hooks from inside a function, where a plain declare would be local.
declare -ga autoPatchelfLibs
declare -ga extraAutoPatchelfLibs

gatherLibraries() {
    autoPatchelfLibs+=("$1/lib")
}

# targetOffset is set by stdenv while it activates this hook; default to the host offset if a
# derivation sources the file by hand (the env hooks have run by then, so it changes nothing).
# shellcheck disable=SC2154
addEnvHooks "${targetOffset:-0}" gatherLibraries

# addAutoPatchelfSearchPath [--no-recurse] [--] PATH...
# Adds every directory under PATH (only PATH itself with --no-recurse) that directly holds a
# non-directory named *.so or *.so.* to extraAutoPatchelfLibs, for the next autoPatchelf call.
addAutoPatchelfSearchPath() {
    local -a findOpts=()

    while (( $# > 0 )); do
        case "$1" in
            --) shift; break ;;
            --no-recurse) shift; findOpts+=(-maxdepth 1) ;;
            --*)
                echo "addAutoPatchelfSearchPath: ERROR: Invalid command line argument: $1" >&2
                return 1 ;;
            *) break ;;
        esac
    done
    (( $# > 0 )) || return 0

    local dir
    while IFS= read -r -d '' dir; do
        extraAutoPatchelfLibs+=("$dir")
    done < <(find "$@" "${findOpts[@]}" ! -type d \( -name '*.so' -o -name '*.so.*' \) -printf '%h\0' \
        | LC_ALL=C sort -zu)
}

# autoPatchelf [--no-recurse] [--] PATH...
# Patches the ELF files under PATH; returns gopatchelf's exit status.
autoPatchelf() {
    local norecurse=
    while (( $# > 0 )); do
        case "$1" in
            --) shift; break ;;
            --no-recurse) shift; norecurse=1 ;;
            --*)
                echo "autoPatchelf: ERROR: Invalid command line argument: $1" >&2
                return 1 ;;
            *) break ;;
        esac
    done

    # Each variable may be a string (split on whitespace) or, with __structuredAttrs, an array:
    # concatTo handles both. Some stdenv releases split strings with globbing on (and nullglob),
    # which turned a "*" pattern into the names of the files in the build directory: globbing
    # stays off until this function returns.
    local -
    set -o noglob
    local -a ignoreMissing=() runtimeDeps=() extraRunpaths=() patchelfArgs=() scriptFlags=()
    concatTo ignoreMissing autoPatchelfIgnoreMissingDeps
    concatTo extraRunpaths appendRunpaths
    concatTo runtimeDeps runtimeDependencies
    concatTo patchelfArgs patchelfFlags
    concatTo scriptFlags autoPatchelfFlags

    if [[ -n "${autoPatchelfRelativeRpaths-}" ]]; then
        scriptFlags+=(--relative-rpaths)
    fi
    if [[ -n "${autoPatchelfResolutionCache-}" ]]; then
        scriptFlags+=(--resolution-cache)
    fi

    # `autoPatchelfIgnoreMissingDeps = true;` reaches us as "1": it used to mean "ignore everything".
    local pattern
    for pattern in "${ignoreMissing[@]}"; do
        if [[ "$pattern" == 1 ]]; then
            echo "autoPatchelf: WARNING: setting 'autoPatchelfIgnoreMissingDeps = true;' is deprecated" \
                 "and will be removed in a future release. Use 'autoPatchelfIgnoreMissingDeps = [ \"*\" ];'" \
                 "instead." >&2
            ignoreMissing=("*")
            break
        fi
    done

    "@gopatchelf@" auto \
        ${norecurse:+--no-recurse} \
        --ignore-missing "${ignoreMissing[@]}" \
        --paths "$@" \
        --libs "${autoPatchelfLibs[@]}" "${extraAutoPatchelfLibs[@]}" \
        --runtime-dependencies "${runtimeDeps[@]/%//lib}" \
        --append-rpaths "${extraRunpaths[@]}" \
        "${scriptFlags[@]}" \
        --extra-args "${patchelfArgs[@]}"
}

# Runs from postFixupHooks, after stripping and the derivation's own postFixup, so that nothing
# in fixupOutput (patchelf --shrink-rpath in particular) undoes the run paths written here.
autoPatchelfPostFixup() {
    if [[ -n "${dontAutoPatchelf-}" ]]; then
        return 0
    fi

    local -a outputNames=() outputPaths=()
    local output
    read -r -a outputNames <<< "$(getAllOutputNames)"
    for output in "${outputNames[@]}"; do
        [[ "$output" != debug ]] || continue
        [[ -e "${!output-}" ]] || continue
        outputPaths+=("${!output}")
    done

    autoPatchelf -- "${outputPaths[@]}"
}

# Other hooks look for this exact name in postFixupHooks to order themselves around it.
if [[ " ${postFixupHooks[*]-} " != *" autoPatchelfPostFixup "* ]]; then
    postFixupHooks+=(autoPatchelfPostFixup)
fi
