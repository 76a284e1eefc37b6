#!/usr/bin/env bash
# Benchmark bb-trace's walks against a baseline measured in the same run:
# trace_baseline.cpp, the Python tracker's get_correlation_chain walk (one
# GET or SMEMBERS round trip per visited node) over the same hiredis client.
#
#   1. descendants of the root of a tree of 11,111 events (branching 10,
#      depth 4);
#   2. ancestors of a node at the deepest level of that tree;
#   3. ancestors of the tail of a 1,000-long chain with --depth 1000 (the
#      Python tracker stops there with RecursionError);
#   4. for information, the whole-picture tree of the tree's root.
#
# --max-nodes 20000 lets the 11,111-event tree through (the default is
# 10,000). Each figure is the median wall time of whole processes (start, connect,
# walk, render, exit), output `--format ids` to /dev/null; round trips come
# from `bb-trace --stats` and the baseline's own count. Outputs are compared
# first, so a fast wrong answer cannot pass. The graphs are written in the
# Python layout plus bb-publish's summary hashes, with fresh random ids, and
# deleted at the end.
#
#   scripts/bench/trace.sh
#
# Environment: BB_BUILD_DIR (default build/), BB_BENCH_RUNS (20; medians).
# Services: those of scripts/services.sh, started here (and stopped again)
# unless they are already running. Loopback only. bb-trace and the baseline
# run alternately, so that a change in the machine's load affects both.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
cd "$BB_REPO_ROOT"

runs=${BB_BENCH_RUNS:-20}
build_dir=${BB_BUILD_DIR:-$BB_REPO_ROOT/build}
bench_dir=$BB_REPO_ROOT/scripts/bench

bb_configure "$build_dir" >/dev/null
bb_build "$build_dir" --target bb-trace >/dev/null
bb_trace=$build_dir/bin/bb-trace

work=$(mktemp -d /tmp/bb-bench-trace.XXXXXX)
loaded=0
cleanup() {
    if ((loaded)); then
        awk '{ printf "DEL %s\r\n", $0 }' "$work/keys" |
            redis-cli -h "$host" -p "$port" --pipe >/dev/null || true
    fi
    bb_services_release
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck disable=SC2046 # pkg-config prints several words on purpose
c++ -O2 -std=c++20 -o "$work/trace_baseline" "$bench_dir/trace_baseline.cpp" \
    $(pkg-config --cflags --libs hiredis)

bb_services_acquire
host=$BB_TEST_REDIS_HOST
port=$BB_TEST_REDIS_PORT

python3 "$bench_dir/trace_load.py" "$work" >"$work/load.resp"
loaded=1
redis-cli -h "$host" -p "$port" --pipe <"$work/load.resp" >/dev/null
root=$(<"$work/tree_root")
leaf=$(<"$work/tree_leaf")
tail_id=$(<"$work/chain_tail")

# bb-trace reads Redis from the environment, in a folder without a .env file.
export REDIS_HOST=$host REDIS_PORT=$port
unset REDIS_URL REDIS_DB REDIS_PASSWORD NO_COLOR
cd "$work"
trace() { "$bb_trace" "$@"; }
baseline() { "$work/trace_baseline" "$host" "$port" "$@"; }

# Wall time of one run of "$@" in seconds, output discarded. EPOCHREALTIME
# needs no fork, so only the command's own process is timed.
seconds() {
    local start=$EPOCHREALTIME
    "$@" >/dev/null 2>&1
    local end=$EPOCHREALTIME
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }'
}

# Median of a file of numbers.
median_of() { sort -n "$1" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }

# Runs the commands held in the arrays named $2 and $3 alternately, $runs
# times each after two warm-up rounds, so that a change in the machine's
# load affects both alike. Prints "median_a median_b" in seconds.
alternate() {
    local name=$1 i
    local -n first=$2 second=$3
    : >"$work/$name.a"
    : >"$work/$name.b"
    for ((i = -2; i < runs; i++)); do
        local a b
        a=$(seconds "${first[@]}")
        b=$(seconds "${second[@]}")
        if ((i >= 0)); then
            echo "$a" >>"$work/$name.a"
            echo "$b" >>"$work/$name.b"
        fi
    done
    echo "$(median_of "$work/$name.a") $(median_of "$work/$name.b")"
}

round_trips_of_trace() { trace "$@" --stats 2>&1 >/dev/null | sed -n 's/.* \([0-9]*\) Redis round trips.*/\1/p'; }
round_trips_of_baseline() { baseline "$@" 2>&1 >/dev/null | sed -n 's/^round trips: //p'; }

# Same events from both, in the same order where the order is defined.
# Arguments: what, ordered (0/1), the baseline's arguments as one word, then
# bb-trace's arguments. Prints the number of events.
check_same() {
    local what=$1 ordered=$2 theirs_args
    read -ra theirs_args <<<"$3"
    shift 3
    trace "$@" --format ids >"$work/ours"
    baseline "${theirs_args[@]}" >"$work/theirs" 2>/dev/null
    if ((ordered)); then
        cmp -s "$work/ours" "$work/theirs" || bb_die "$what: bb-trace and the baseline disagree"
    else
        cmp -s <(sort "$work/ours") <(sort "$work/theirs") ||
            bb_die "$what: bb-trace and the baseline disagree"
    fi
    wc -l <"$work/ours"
}

row() {
    local label=$1 ours=$2 ours_rt=$3 theirs=$4 theirs_rt=$5
    awk -v l="$label" -v a="$ours" -v ar="$ours_rt" -v b="$theirs" -v br="$theirs_rt" 'BEGIN {
        printf "%-44s %9.1f ms %6d   %9.1f ms %6d   %6.1fx\n", l, a * 1000, ar, b * 1000, br, b / a }'
}

n_desc=$(check_same "descendants of the tree root" 0 "descendants $root 100" descendants "$root" --max-nodes 20000)
n_anc=$(check_same "ancestors of a deepest leaf" 1 "ancestors $leaf 100" ancestors "$leaf")
n_chain=$(check_same "ancestors of the chain tail" 1 "ancestors $tail_id 1000" \
    ancestors "$tail_id" --depth 1000)
[[ $n_desc -eq 11111 && $n_anc -eq 5 && $n_chain -eq 1000 ]] ||
    bb_die "unexpected sizes: $n_desc, $n_anc, $n_chain"

# shellcheck disable=SC2034 # used through the namerefs of alternate()
{
    ours_desc=("$bb_trace" descendants "$root" --max-nodes 20000 --format ids)
    base_desc=("$work/trace_baseline" "$host" "$port" descendants "$root" 100)
    ours_anc=("$bb_trace" ancestors "$leaf" --format ids)
    base_anc=("$work/trace_baseline" "$host" "$port" ancestors "$leaf" 100)
    ours_chain=("$bb_trace" ancestors "$tail_id" --depth 1000 --format ids)
    base_chain=("$work/trace_baseline" "$host" "$port" ancestors "$tail_id" 1000)
    ours_tree=("$bb_trace" "$root" --max-nodes 20000 --no-pager)
}
read -r t1 b1 < <(alternate desc ours_desc base_desc)
read -r t2 b2 < <(alternate anc ours_anc base_anc)
read -r t3 b3 < <(alternate chain ours_chain base_chain)
read -r t4 _ < <(alternate tree ours_tree ours_tree)

printf '\nbb-trace against the Python tracker'\''s walk (same hiredis client), median of %s\n' "$runs"
printf 'alternating runs, whole processes, Redis on %s:%s, load average %s\n\n' "$host" "$port" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %12s %6s   %12s %6s   %7s\n' "query" "bb-trace" "trips" "baseline" "trips" "ratio"
row "descendants of the tree root (11,111)" "$t1" "$(round_trips_of_trace descendants "$root" --max-nodes 20000)" \
    "$b1" "$(round_trips_of_baseline descendants "$root" 100)"
row "ancestors of a deepest leaf (5)" "$t2" "$(round_trips_of_trace ancestors "$leaf")" \
    "$b2" "$(round_trips_of_baseline ancestors "$leaf" 100)"
row "ancestors of the chain tail (1,000)" "$t3" \
    "$(round_trips_of_trace ancestors "$tail_id" --depth 1000)" \
    "$b3" "$(round_trips_of_baseline ancestors "$tail_id" 1000)"
awk -v t="$t4" 'BEGIN { printf "%-44s %9.1f ms\n", "whole-picture tree of the root (11,111 rows)", t * 1000 }'
printf '\nTargets: descendants of the root under 50 ms end to end; the Python tracker\n'
printf 'itself (not installed here) was measured at about 2.8 s for that query.\n'
