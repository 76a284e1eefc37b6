#!/usr/bin/env bash
# Run the whole test suite: install dependencies, build, start the private
# RabbitMQ and Redis, run ctest against them, stop them again.
#
#   scripts/test.sh [ctest args...]     e.g. scripts/test.sh -L unit
#
# BB_SANITIZE=1 builds into build-sanitize/ with ASan+UBSan. Services that
# were already up (scripts/services.sh up by hand) are used and left running.
# BB_TEST_JOBS sets ctest's parallelism (default 2).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$BB_REPO_ROOT"

"$BB_REPO_ROOT/scripts/setup.sh"

build_dir=$(bb_build_dir)
bb_configure "$build_dir"
bb_build "$build_dir"

trap bb_services_release EXIT
bb_services_acquire

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
bb_info "running the tests (build $build_dir, services from $BB_STATE_DIR)"
status=0
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error --timeout 600 \
    --parallel "${BB_TEST_JOBS:-2}" "$@" || status=$?
if ((status != 0)); then
    # A server that died mid-run explains many failures at once.
    "$BB_REPO_ROOT/scripts/services.sh" status >&2 || true
fi
exit "$status"
