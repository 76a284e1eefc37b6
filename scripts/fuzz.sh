#!/usr/bin/env bash
# Fuzz the parsers with libFuzzer (clang, ASan+UBSan) for a while each.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#       SECONDS_PER_TARGET  default 60
#       TARGET              envelope, json, line_reader, config (default: all)
#
# Builds build-fuzz/ (BB_FUZZ_BUILD_DIR) with clang, -DBB_FUZZ=ON and
# -DBB_SANITIZE=ON, installing clang and its fuzzer runtime first if they are
# missing. Each target runs on a copy of its seed corpus, tests/fuzz/corpus/
# <target>/, kept in build-fuzz/fuzz-runs/<target>/, so the seeds stay as
# written. Prints per target: executions, exec/s, corpus size and crashes.
# Exits 1 if any target crashed (or leaked, ran out of memory, timed out);
# the input that did it stays in build-fuzz/fuzz-runs/<target>/ and the
# message says how to reproduce it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$BB_REPO_ROOT"

all_targets=(envelope json line_reader config)
seconds=${1:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || bb_die "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]"
shift $(($# > 0 ? 1 : 0))
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
    [[ " ${all_targets[*]} " == *" $target "* ]] ||
        bb_die "unknown target $target (known: ${all_targets[*]})"
done

# The toolchain: the base packages, then clang and libFuzzer's runtime.
"$BB_REPO_ROOT/scripts/setup.sh"
missing=()
for package in clang libclang-rt-14-dev; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$package")
done
if ((${#missing[@]})); then
    as_root=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || bb_die "need root to install: ${missing[*]}"
        as_root=(sudo)
    fi
    bb_info "installing ${missing[*]}"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" </dev/null
fi

build_dir=${BB_FUZZ_BUILD_DIR:-$BB_REPO_ROOT/build-fuzz}
generator=()
[[ -f $build_dir/CMakeCache.txt ]] || generator=(-G Ninja)
CC=clang CXX=clang++ cmake -S "$BB_REPO_ROOT" -B "$build_dir" "${generator[@]}" \
    --log-level=WARNING -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBB_BUILD_TESTS=ON -DBB_FUZZ=ON -DBB_SANITIZE=ON
bb_build "$build_dir" --target "${targets[@]/#/bb_fuzz_}"

# What libFuzzer leaves behind when a run fails, one file per failure.
count_artifacts() {
    find "$1" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' \
        -o -name 'timeout-*' \) | wc -l
}

# One line of libFuzzer's final statistics, e.g. stat::number_of_executed_units.
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
failed=()
report=()
for target in "${targets[@]}"; do
    run_dir=$build_dir/fuzz-runs/$target
    mkdir -p "$run_dir/corpus"
    cp -f tests/fuzz/corpus/"$target"/* "$run_dir/corpus/"
    dict=()
    [[ -f tests/fuzz/dict/$target.dict ]] && dict=(-dict="tests/fuzz/dict/$target.dict")
    log=$run_dir/fuzz.log
    bb_info "fuzzing $target for ${seconds}s (log: $log)"
    before=$(count_artifacts "$run_dir")
    status=0
    "$build_dir/tests/fuzz/bb_fuzz_$target" "${dict[@]}" -max_total_time="$seconds" \
        -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 \
        -artifact_prefix="$run_dir/" "$run_dir/corpus" >"$log" 2>&1 || status=$?
    crashes=$(($(count_artifacts "$run_dir") - before))
    ((status == 0 || crashes > 0)) || crashes=1 # died without leaving an input
    line=$(printf '%-12s %10s executions %8s exec/s  corpus %5s files  crashes %s' "$target" \
        "$(stat number_of_executed_units "$log")" "$(stat average_exec_per_sec "$log")" \
        "$(find "$run_dir/corpus" -type f | wc -l)" "$crashes")
    report+=("$line")
    if ((crashes > 0)); then
        failed+=("$target")
        bb_info "$target crashed; the report is in $log"
        grep -m 1 -E 'ERROR: |runtime error|fuzz invariant broken' "$log" >&2 || true
        artifact=$(sed -n "s/.*Test unit written to //p" "$log" | tail -n 1)
        [[ -z $artifact ]] ||
            bb_info "reproduce: $build_dir/tests/fuzz/bb_fuzz_$target $artifact"
    fi
done

printf '%s\n' "${report[@]}"
if ((${#failed[@]})); then
    bb_info "crashes in: ${failed[*]}"
    exit 1
fi
