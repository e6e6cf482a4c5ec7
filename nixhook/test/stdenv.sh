#!/usr/bin/env bash
# A small stand-in for nixpkgs' stdenv (pkgs/stdenv/generic/setup.sh): only what a setup hook such as
# nixhook/setup-hook.sh relies on, with the same semantics, so the hook can be exercised without Nix.
#
# Run it in the build directory, with the derivation's attributes passed the way Nix passes them:
#   - without structured attributes: as environment variables (lists joined by spaces, true = "1",
#     false = ""), `outputs` a space-separated list of output names;
#   - with structured attributes: a file .attrs.sh in the build directory that declares them
#     (lists as indexed arrays, `outputs` as an associative array name -> path).
#
# What it emulates:
#   - set -eu -o pipefail, inherit_errexit, nullglob, as setup.sh runs;
#   - dependency discovery over the six dependency kinds (depsBuildBuild, nativeBuildInputs,
#     depsBuildTarget, depsHostHost, buildInputs, depsTargetTarget) including propagation through
#     nix-support/propagated-* files, setup-hook activation with hostOffset/targetOffset set, and
#     env hook dispatch (addEnvHooks) with and without strictDeps;
#   - runHook (implicit function or string attribute, then the <name>Hooks array), concatTo,
#     getAllOutputNames;
#   - the phases installPhase and fixupPhase (make outputs writable, preFixup, per-output
#     fixupOutput hooks, postFixup then postFixupHooks), run as runPhase does: a phase attribute
#     of the derivation replaces the function.
# One deliberate simplification: packages are compared by exact path where stdenv's env-hook
# dispatch compares by substring; test fixtures use store names that are no substrings of each other.

# Most arrays here are reached through namerefs built from names (pkgs$kind, env${kind}Hooks), and
# hostOffset/targetOffset are read by the hooks sourced: shellcheck cannot see those uses (SC2034).
# shellcheck disable=SC2034

set -eu -o pipefail
shopt -s inherit_errexit

if [[ -f .attrs.sh ]]; then
    __structuredAttrs=1
    # shellcheck disable=SC1091
    source .attrs.sh
    for __outputName in "${!outputs[@]}"; do
        export "$__outputName=${outputs[$__outputName]}"
    done
    unset __outputName
else
    __structuredAttrs=
    : "${outputs:=out}"
fi

shopt -s nullglob

######################################################################
# Helpers that setup hooks call.

getAllOutputNames() {
    if [[ -n "$__structuredAttrs" ]]; then
        echo "${!outputs[*]}"
    else
        echo "$outputs"
    fi
}

# Runs <name> (a function, or a string attribute evaluated as shell code), then every entry of
# the array <name without "Hook">Hooks. Functions in the array get the arguments; strings are eval'ed.
runHook() {
    local __hookName="$1"
    shift
    if declare -F "$__hookName" > /dev/null; then
        "$__hookName"
    elif [[ -n "${!__hookName-}" ]]; then
        eval "${!__hookName}"
    fi
    local -n __hookArray="${__hookName%Hook}Hooks"
    local __hook
    for __hook in ${__hookArray[@]+"${__hookArray[@]}"}; do
        if declare -F "$__hook" > /dev/null; then
            "$__hook" "$@"
        else
            eval "$__hook"
        fi
    done
    return 0
}

# concatTo TARGET NAME...: appends to the array TARGET the values of the variables NAME: arrays
# element by element, strings split on whitespace, never glob-expanded. Some nixpkgs releases
# shipped a concatTo that split strings with globbing on; NIXHOOK_TEST_GLOBBING_CONCATTO=1
# emulates that one.
concatTo() {
    local -
    if [[ -z "${NIXHOOK_TEST_GLOBBING_CONCATTO-}" ]]; then
        set -o noglob
    fi
    local -n __target="$1"
    shift
    local __name __decl
    for __name in "$@"; do
        __decl=$(declare -p "$__name" 2> /dev/null) || continue
        local -n __source="$__name"
        case "${__decl#declare -}" in
            A*)
                echo "concatTo(): ERROR: trying to use concatTo on an associative array." >&2
                return 1 ;;
            a*)
                __target+=(${__source[@]+"${__source[@]}"}) ;;
            *)
                # shellcheck disable=SC2206 # splitting is the point.
                __target+=(${__source-}) ;;
        esac
        unset -n __source
    done
}

######################################################################
# Dependencies and env hooks.

# Offsets: build = -1, host = 0, target = 1. A dependency kind is a (hostOffset, targetOffset) pair.
__kindName() {
    case "$1,$2" in
        -1,-1) echo BuildBuild ;;
        -1,0) echo BuildHost ;;
        -1,1) echo BuildTarget ;;
        0,0) echo HostHost ;;
        0,1) echo HostTarget ;;
        1,1) echo TargetTarget ;;
        *) echo "stdenv.sh: bad offsets $1,$2" >&2; return 1 ;;
    esac
}
declare -a __allKinds=("-1 -1" "-1 0" "-1 1" "0 0" "0 1" "1 1")
declare -a pkgsBuildBuild=() pkgsBuildHost=() pkgsBuildTarget=() pkgsHostHost=() pkgsHostTarget=() pkgsTargetTarget=()
declare -a envBuildBuildHooks=() envBuildHostHooks=() envBuildTargetHooks=()
declare -a envHostHostHooks=() envHostTargetHooks=() envTargetTargetHooks=()
declare -a preFixupHooks=() fixupOutputHooks=() postFixupHooks=()

# addEnvHooks OFFSET FUNCTION...: FUNCTION runs for every dependency whose host offset is OFFSET
# (for every dependency at all without strictDeps).
addEnvHooks() {
    local offset="$1"
    shift
    local pair h t
    for pair in "${__allKinds[@]}"; do
        read -r h t <<< "$pair"
        if [[ "$h" == "$offset" ]]; then
            local kind
            kind=$(__kindName "$h" "$t")
            local -n __hooks="env${kind}Hooks"
            __hooks+=("$@")
            unset -n __hooks
        fi
    done
}

# Propagated-dependency files in the order setup.sh reads them, each with the offsets it holds
# relative to the propagating package.
declare -a __propagatedFiles=(
    "propagated-build-build-deps -1 -1"
    "propagated-native-build-inputs -1 0"
    "propagated-build-target-deps -1 1"
    "propagated-host-host-deps 0 0"
    "propagated-build-inputs 0 1"
    "propagated-target-target-deps 1 1"
)

# Maps an offset relative to a package with offsets (host, target) to an absolute one.
__mapOffset() {
    local rel="$1" host="$2" target="$3"
    if (( rel <= 0 )); then echo $(( rel + host )); else echo $(( rel - 1 + target )); fi
}

findInputs() {
    local pkg="$1" host="$2" target="$3" kind
    kind=$(__kindName "$host" "$target")
    local -n __found="pkgs$kind"
    local seen
    for seen in ${__found[@]+"${__found[@]}"}; do
        [[ "$seen" != "$pkg" ]] || return 0
    done
    __found+=("$pkg")
    if [[ ! -e "$pkg" ]]; then
        echo "build input $pkg does not exist" >&2
        exit 1
    fi
    local entry file relHost relTarget nextHost nextTarget next
    for entry in "${__propagatedFiles[@]}"; do
        read -r file relHost relTarget <<< "$entry"
        [[ -f "$pkg/nix-support/$file" ]] || continue
        nextHost=$(__mapOffset "$relHost" "$host" "$target")
        nextTarget=$(__mapOffset "$relTarget" "$host" "$target")
        (( nextHost >= -1 && nextHost <= 1 && nextTarget >= -1 && nextTarget <= 1 )) || continue
        for next in $(< "$pkg/nix-support/$file"); do
            findInputs "$next" "$nextHost" "$nextTarget"
        done
    done
}

activatePackage() {
    local pkg="$1"
    local -r hostOffset="$2" targetOffset="$3"
    if [[ -z "${strictDeps-}" || "$hostOffset" -le -1 ]] && [[ -d "$pkg/bin" ]]; then
        PATH="$pkg/bin:$PATH"
    fi
    if [[ -f "$pkg/nix-support/setup-hook" ]]; then
        # shellcheck disable=SC1091
        source "$pkg/nix-support/setup-hook"
    fi
}

__setupDependencies() {
    local attr pkg
    local -A kindOf=(
        [depsBuildBuild]="-1 -1" [depsBuildBuildPropagated]="-1 -1"
        [nativeBuildInputs]="-1 0" [propagatedNativeBuildInputs]="-1 0"
        [depsBuildTarget]="-1 1" [depsBuildTargetPropagated]="-1 1"
        [depsHostHost]="0 0" [depsHostHostPropagated]="0 0"
        [buildInputs]="0 1" [propagatedBuildInputs]="0 1"
        [depsTargetTarget]="1 1" [depsTargetTargetPropagated]="1 1"
    )
    # Same order as setup.sh: by kind, each kind's inputs before its propagated inputs.
    for attr in depsBuildBuild depsBuildBuildPropagated nativeBuildInputs propagatedNativeBuildInputs \
        depsBuildTarget depsBuildTargetPropagated depsHostHost depsHostHostPropagated \
        buildInputs propagatedBuildInputs depsTargetTarget depsTargetTargetPropagated; do
        local -a inputs=()
        concatTo inputs "$attr"
        for pkg in ${inputs[@]+"${inputs[@]}"}; do
            # shellcheck disable=SC2086 # two offsets
            findInputs "$pkg" ${kindOf[$attr]}
        done
    done

    local pair h t
    for pair in "${__allKinds[@]}"; do
        read -r h t <<< "$pair"
        local kind
        kind=$(__kindName "$h" "$t")
        local -n __pkgs="pkgs$kind"
        for pkg in ${__pkgs[@]+"${__pkgs[@]}"}; do
            activatePackage "$pkg" "$h" "$t"
        done
        unset -n __pkgs
    done

    # Env hooks: with strictDeps each hook array runs over the dependencies of its own kind;
    # without, over every dependency of every kind (each once per array).
    for pair in "${__allKinds[@]}"; do
        read -r h t <<< "$pair"
        local kind
        kind=$(__kindName "$h" "$t")
        local -a targets=()
        if [[ -z "${strictDeps-}" ]]; then
            local k
            local -A visited=()
            for k in BuildBuild BuildHost BuildTarget HostHost HostTarget TargetTarget; do
                local -n __pkgs="pkgs$k"
                for pkg in ${__pkgs[@]+"${__pkgs[@]}"}; do
                    [[ -z "${visited[$pkg]-}" ]] || continue
                    visited[$pkg]=1
                    targets+=("$pkg")
                done
                unset -n __pkgs
            done
            unset visited
        else
            local -n __pkgs="pkgs$kind"
            targets=(${__pkgs[@]+"${__pkgs[@]}"})
            unset -n __pkgs
        fi
        for pkg in ${targets[@]+"${targets[@]}"}; do
            runHook "env${kind}Hook" "$pkg"
        done
    done
}

######################################################################
# Phases.

# The default installPhase; a derivation's installPhase attribute replaces it (runPhase below).
installPhase() {
    runHook preInstall
    runHook postInstall
}

fixupPhase() {
    local output
    for output in $(getAllOutputNames); do
        if [[ -e "${!output}" ]]; then chmod -R u+w "${!output}"; fi
    done

    runHook preFixup

    for output in $(getAllOutputNames); do
        prefix="${!output}" runHook fixupOutput
    done

    runHook postFixup
}

# Like stdenv's default stripping (strip -S over bin/ and lib/ of each output), which runs in
# fixupOutput and so before autoPatchelf. runHook fixupOutput sets $prefix (SC2154).
# shellcheck disable=SC2154
__stripDebugSymbols() {
    local dir file magic
    for dir in "$prefix/bin" "$prefix/lib"; do
        [[ -d "$dir" ]] || continue
        while IFS= read -r -d '' file; do
            [[ "$file" != */lib/debug/* ]] || continue
            magic=$(head -c 4 "$file" | od -An -tx1 | tr -d ' \n')
            [[ "$magic" == 7f454c46 ]] || continue
            strip -S "$file"
        done < <(find "$dir" -type f -print0)
    done
}
fixupOutputHooks+=(__stripDebugSymbols)

# As stdenv's runPhase: the phase attribute if the derivation sets one, else the function.
runPhase() {
    local curPhase="$1"
    eval "${!curPhase:-$curPhase}"
}

__setupDependencies
runPhase installPhase
runPhase fixupPhase
echo "stdenv.sh: build finished"
