#!/usr/bin/env bash
# Benchmark bb-trace's walks against baselines measured in the same run, both
# in trace_baseline.cpp over the same hiredis client:
#
#   * levels, the baseline that counts: the level-by-level walk bb-trace does,
#     written as plainly as it can be (every node's SMEMBERS or GET of one
#     level pipelined, one round trip per level, ids kept as Redis sent them);
#   * per-node, for information: the Python tracker's get_correlation_chain
#     walk (one GET or SMEMBERS round trip per visited node).
#
# Queries:
#   1. descendants of the root of a tree of 11,111 events (branching 10,
#      depth 4), where the targets are checked: bb-trace's walk (the time its
#      own --stats prints) at most 1.2 times the level baseline's in-process
#      time; bb-trace's whole process at most the level baseline's whole
#      process plus bb-trace --version's (the start-up no walk can avoid);
#      bb-trace's peak RSS at most 10 MiB (/usr/bin/time -f %M);
#   2. ancestors of a node at the deepest level of that tree;
#   3. ancestors of the tail of a 1,000-long chain with --depth 1000 (the
#      Python tracker stops there with RecursionError);
#   4. for information, the whole-picture tree of the tree's root.
#
# There is no node limit by default, so the whole tree is walked. Each figure
# is a median over alternating runs of whole processes (start, connect, walk,
# render, exit), output `--format ids` to /dev/null; round trips come from
# `bb-trace --stats` and the baselines' own count. Outputs are compared
# first, so a fast wrong answer cannot pass. The graphs are written in the
# Python layout plus bb-publish's summary hashes, with fresh random ids, and
# deleted at the end.
#
#   scripts/bench/trace.sh
#
# Environment: BB_BUILD_DIR (default build/), BB_BENCH_RUNS (20; medians).
# Services: those of scripts/services.sh, started here (and stopped again)
# unless they are already running (BB_STATE_DIR names where they run from).
# Loopback only. bb-trace and the baselines run alternately, so that a change
# in the machine's load affects all alike.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/bench_alternate.sh
source "$BB_REPO_ROOT/scripts/lib/bench_alternate.sh"
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
# baseline levels|per-node ancestors|descendants ID MAX_DEPTH
baseline() { "$work/trace_baseline" "$host" "$port" "$@"; }

round_trips_of_trace() { trace "$@" --stats 2>&1 >/dev/null | sed -n 's/.* \([0-9]*\) Redis round trips.*/\1/p'; }
round_trips_of_baseline() { baseline "$@" 2>&1 >/dev/null | sed -n 's/^round trips: //p'; }

# Same events from bb-trace and both baselines, in the same order where the
# order is defined (the level walk lists events as it meets them, so it is
# compared as a set). Arguments: what, ordered (0/1), the baselines'
# arguments after the walk as one word, then bb-trace's arguments. Prints the
# number of events.
check_same() {
    local what=$1 ordered=$2 theirs_args
    read -ra theirs_args <<<"$3"
    shift 3
    trace "$@" --format ids >"$work/ours"
    baseline per-node "${theirs_args[@]}" >"$work/per-node" 2>/dev/null
    baseline levels "${theirs_args[@]}" >"$work/levels" 2>/dev/null
    if ((ordered)); then
        cmp -s "$work/ours" "$work/per-node" ||
            bb_die "$what: bb-trace and the per-node baseline disagree"
    else
        cmp -s <(sort "$work/ours") <(sort "$work/per-node") ||
            bb_die "$what: bb-trace and the per-node baseline disagree"
    fi
    cmp -s <(sort "$work/ours") <(sort "$work/levels") ||
        bb_die "$what: bb-trace and the level baseline disagree"
    wc -l <"$work/ours"
}

n_desc=$(check_same "descendants of the tree root" 0 "descendants $root 100" descendants "$root")
n_anc=$(check_same "ancestors of a deepest leaf" 1 "ancestors $leaf 100" ancestors "$leaf")
n_chain=$(check_same "ancestors of the chain tail" 1 "ancestors $tail_id 1000" \
    ancestors "$tail_id" --depth 1000)
[[ $n_desc -eq 11111 && $n_anc -eq 5 && $n_chain -eq 1000 ]] ||
    bb_die "unexpected sizes: $n_desc, $n_anc, $n_chain"

# shellcheck disable=SC2034 # used through the indirect expansion of alternate()
{
    ours_desc=("$bb_trace" descendants "$root" --format ids --stats)
    levels_desc=("$work/trace_baseline" "$host" "$port" levels descendants "$root" 100)
    node_desc=("$work/trace_baseline" "$host" "$port" per-node descendants "$root" 100)
    version=("$bb_trace" --version)
    ours_anc=("$bb_trace" ancestors "$leaf" --format ids)
    levels_anc=("$work/trace_baseline" "$host" "$port" levels ancestors "$leaf" 100)
    node_anc=("$work/trace_baseline" "$host" "$port" per-node ancestors "$leaf" 100)
    ours_chain=("$bb_trace" ancestors "$tail_id" --depth 1000 --format ids)
    levels_chain=("$work/trace_baseline" "$host" "$port" levels ancestors "$tail_id" 1000)
    node_chain=("$work/trace_baseline" "$host" "$port" per-node ancestors "$tail_id" 1000)
    ours_tree=("$bb_trace" "$root" --no-pager)
}
read -r t1 t1_in l1 l1_in n1 _ v1 _ < <(alternate ours_desc levels_desc node_desc version)
read -r t2 _ l2 _ n2 _ < <(alternate ours_anc levels_anc node_anc)
read -r t3 _ l3 _ n3 _ < <(alternate ours_chain levels_chain node_chain)
read -r t4 _ < <(alternate ours_tree)
# Peak RSS in KiB, the largest of a few runs.
rss=0
for ((i = 0; i < 5; i++)); do
    r=$(/usr/bin/time -f %M "$bb_trace" descendants "$root" --format ids 2>&1 >/dev/null | tail -n 1)
    ((r > rss)) && rss=$r
done

printf '\nbb-trace against the baselines (same hiredis client), median of %s alternating\n' "$runs"
printf 'runs, whole processes, Redis on %s:%s, load average %s\n\n' "$host" "$port" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
row() {
    local label=$1
    shift
    awk -v l="$label" -v a="$1" -v ar="$2" -v b="$3" -v br="$4" -v c="$5" -v cr="$6" 'BEGIN {
        printf "%-38s %7.1f ms %5d  %7.1f ms %5d  %5.2fx  %7.1f ms %5d  %6.1fx\n",
            l, a * 1000, ar, b * 1000, br, a / b, c * 1000, cr, c / a }'
}
printf '%-38s %10s %5s  %10s %5s  %6s  %10s %5s  %7s\n' "query (whole processes)" "bb-trace" \
    "trips" "levels" "trips" "ratio" "per-node" "trips" "faster"
row "descendants of the tree root (11,111)" "$t1" \
    "$(round_trips_of_trace descendants "$root")" \
    "$l1" "$(round_trips_of_baseline levels descendants "$root" 100)" \
    "$n1" "$(round_trips_of_baseline per-node descendants "$root" 100)"
row "ancestors of a deepest leaf (5)" "$t2" "$(round_trips_of_trace ancestors "$leaf")" \
    "$l2" "$(round_trips_of_baseline levels ancestors "$leaf" 100)" \
    "$n2" "$(round_trips_of_baseline per-node ancestors "$leaf" 100)"
row "ancestors of the chain tail (1,000)" "$t3" \
    "$(round_trips_of_trace ancestors "$tail_id" --depth 1000)" \
    "$l3" "$(round_trips_of_baseline levels ancestors "$tail_id" 1000)" \
    "$n3" "$(round_trips_of_baseline per-node ancestors "$tail_id" 1000)"
awk -v t="$t4" 'BEGIN { printf "%-38s %7.1f ms\n", "whole-picture tree of the root (11,111)", t * 1000 }'
printf '(ratio: bb-trace / levels; faster: per-node / bb-trace)\n'

printf '\nTargets, descendants of the tree root (11,111 events):\n'
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "met" : "MISSED") }'; }
awk -v a="$t1_in" -v b="$l1_in" -v v="$(verdict "$t1_in" "$(awk -v b="$l1_in" 'BEGIN { print b * 1.2 }')")" 'BEGIN {
    printf "  walk in-process: bb-trace --stats %.1f ms / levels %.1f ms = %.2fx (target <= 1.2x): %s\n",
        a, b, a / b, v }'
awk -v t="$t1" -v l="$l1" -v s="$v1" -v v="$(verdict "$t1" "$(awk -v l="$l1" -v s="$v1" 'BEGIN { print l + s }')")" 'BEGIN {
    printf "  whole process: bb-trace %.1f ms vs levels %.1f ms + bb-trace --version %.1f ms = %.1f ms: %s\n",
        t * 1000, l * 1000, s * 1000, (l + s) * 1000, v }'
awk -v r="$rss" -v v="$(verdict "$rss" 10240)" 'BEGIN {
    printf "  peak RSS: bb-trace %.1f MiB (target <= 10 MiB): %s\n", r / 1024, v }'
