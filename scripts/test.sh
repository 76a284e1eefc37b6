#!/usr/bin/env bash
# Run the whole test suite: install dependencies, build, start the private
# RabbitMQ and Redis, run ctest against them, stop them again.
#
#   scripts/test.sh [ctest args...]     e.g. scripts/test.sh -L unit
#
# Two passes over the same servers: the plain build (build/), then the suite
# built with AddressSanitizer and UndefinedBehaviorSanitizer
# (build-sanitize/; the package test is left out there, a .deb of a
# sanitizer build means nothing, and so are the slow fault-injection tests,
# which prove the tools' behaviour under broker and Redis failures and run in
# the plain pass, as do the cluster tests: a three-node RabbitMQ cluster
# losing nodes, scripts/cluster.sh, about fifteen minutes, which
# BB_TEST_CLUSTER=0 leaves out). Both builds treat compiler warnings as errors
# (BB_WERROR=OFF allows them). BB_SANITIZE=0 runs the plain pass only,
# BB_SANITIZE=1 the sanitizer pass only. Services that were already up
# (scripts/services.sh up by hand) are used and left running. BB_TEST_JOBS
# sets ctest's parallelism (default 2).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$BB_REPO_ROOT"
export BB_WERROR=${BB_WERROR:-ON}

"$BB_REPO_ROOT/scripts/setup.sh"

case ${BB_SANITIZE:-both} in
0) passes=(0) ;;
1) passes=(1) ;;
both) passes=(0 1) ;;
*) bb_die "BB_SANITIZE must be 0, 1 or both, not '$BB_SANITIZE'" ;;
esac

# Build the first pass before starting the servers: a compile error should
# not cost a RabbitMQ boot.
first_dir=$(BB_SANITIZE=${passes[0]} bb_build_dir)
BB_SANITIZE=${passes[0]} bb_configure "$first_dir"
bb_build "$first_dir"

trap bb_services_release EXIT
bb_services_acquire

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
failed_summary=()
for pass in "${passes[@]}"; do
    build_dir=$(BB_SANITIZE=$pass bb_build_dir)
    excluded=()
    if ((pass == 1)); then
        excluded=(package faults cluster)
    fi
    [[ ${BB_TEST_CLUSTER:-1} == 1 ]] || excluded+=(cluster)
    extra=()
    if ((${#excluded[@]})); then
        extra=(--label-exclude "$(IFS='|' && printf '%s' "${excluded[*]}")")
    fi
    if [[ $build_dir != "$first_dir" ]]; then
        BB_SANITIZE=$pass bb_configure "$build_dir"
        bb_build "$build_dir"
    fi
    bb_info "running the tests (build $build_dir, services from $BB_STATE_DIR)"
    pass_status=0
    ctest --test-dir "$build_dir" --output-on-failure --no-tests=error --timeout 600 \
        --parallel "${BB_TEST_JOBS:-2}" "${extra[@]}" "$@" || pass_status=$?
    if ((pass_status != 0)); then
        status=$pass_status
        failed_summary+=("$build_dir: ctest exit $pass_status")
        if [[ -f $build_dir/Testing/Temporary/LastTestsFailed.log ]]; then
            while IFS= read -r line; do
                failed_summary+=("  $line")
            done <"$build_dir/Testing/Temporary/LastTestsFailed.log"
        fi
        # A server that died mid-run explains many failures at once.
        "$BB_REPO_ROOT/scripts/services.sh" status >&2 || true
    fi
done
# Repeated last, so that the end of a long log (all a CI page may keep)
# names what failed in every pass.
if ((${#failed_summary[@]})); then
    bb_info "failed:"
    printf '%s\n' "${failed_summary[@]}" >&2
fi
exit "$status"
