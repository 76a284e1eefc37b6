# shellcheck shell=bash
# Helpers shared by scripts/*.sh: where things are, messages, the build, and
# "start the private services unless someone already did". Sourced, not run.

BB_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BB_PROG=${BB_PROG:-$(basename "$0")}

# Diagnostics go to stderr with the program name, as the tools do.
bb_info() { printf '%s: %s\n' "$BB_PROG" "$*" >&2; }
bb_die() {
    bb_info "$@"
    exit 1
}

# The folder that holds the private servers' data, logs and services.env.
bb_state_dir() { printf '%s\n' "${BB_STATE_DIR:-$BB_REPO_ROOT/build/state}"; }

# The build tree: build/ normally, build-sanitize/ (ASan+UBSan) with BB_SANITIZE=1.
bb_build_dir() {
    if [[ ${BB_SANITIZE:-0} == 1 ]]; then
        printf '%s\n' "$BB_REPO_ROOT/build-sanitize"
    else
        printf '%s\n' "$BB_REPO_ROOT/build"
    fi
}

# Configure (cheap when nothing changed; it also picks up new app folders).
# Ninja only for a fresh tree: an existing tree keeps its generator.
# BB_WERROR=ON in the environment makes every compiler warning an error.
bb_configure() {
    local dir=$1 generator=() sanitize=OFF
    [[ -f $dir/CMakeCache.txt ]] || generator=(-G Ninja)
    [[ ${BB_SANITIZE:-0} == 1 ]] && sanitize=ON
    cmake -S "$BB_REPO_ROOT" -B "$dir" "${generator[@]}" --log-level=WARNING \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBB_BUILD_TESTS=ON -DBB_SANITIZE="$sanitize" \
        -DBB_WERROR="${BB_WERROR:-OFF}"
}

# cmake --build with one job per core unless BB_JOBS says otherwise.
bb_build() {
    local dir=$1
    shift
    cmake --build "$dir" --parallel "${BB_JOBS:-$(nproc)}" "$@"
}

# Start the private services unless they already run from this state folder,
# then export what services.env names. bb_services_release stops them again
# only if we started them here, so a hand-started set survives a test run.
BB_SERVICES_STARTED=0
bb_services_acquire() {
    local services=$BB_REPO_ROOT/scripts/services.sh
    if "$services" status --quiet; then
        bb_info "using the services already running from $(bb_state_dir)"
    else
        BB_SERVICES_STARTED=1 # set first: an interrupted start is cleaned up too
        "$services" up --quiet
    fi
    # shellcheck source=/dev/null
    source "$(bb_state_dir)/services.env"
}
bb_services_release() {
    if [[ $BB_SERVICES_STARTED == 1 ]]; then
        BB_SERVICES_STARTED=0
        "$BB_REPO_ROOT/scripts/services.sh" down --quiet
    fi
}
