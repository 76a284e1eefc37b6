#!/usr/bin/env bash
# Benchmark bloodbank on a Redis Cluster against one Redis, both measured in
# the same run on the servers of scripts/services.sh (the single Redis and
# the three-master cluster):
#
#   1. bb-trace's walk of the descendants of a tree of 11,111 events
#      (branching 10, depth 4, scripts/bench/trace_load.py, the same keys
#      written to both): the in-process walk time bb-trace --stats prints
#      through the cluster at most 1.3 times the one through one Redis, and
#      the round trips of each (one per level on both: the cluster's masters
#      are sent their share of a level at once);
#   2. for information, the ancestors of the tail of a 1,000-long chain at
#      --depth 1000 (a round trip per level, so the cluster's per-trip cost);
#   3. bb-publish with tracking on (--require-tracking), N envelopes of
#      scripts/bench/envelopes.py, half of them with a parent, to a queue of
#      the bench's own (emptied after each run): events/s through the cluster
#      at least 0.9 times those through one Redis.
#
# The outputs of both walks are compared first, so a fast wrong answer
# cannot pass. Medians over alternating runs, so that a change in the
# machine's load affects both alike.
#
#   scripts/bench/redis_cluster.sh
#
# Environment: BB_BUILD_DIR (default build/), BB_BENCH_RUNS (20 walks each),
# BB_BENCH_EVENTS (20000 tracked events), BB_BENCH_PUBLISH_RUNS (3). Services:
# those of scripts/services.sh, started here (and stopped again) unless they
# are already running. Loopback only. Every key written is deleted at the end.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/bench_alternate.sh
source "$BB_REPO_ROOT/scripts/lib/bench_alternate.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/bench_stats.sh
source "$BB_REPO_ROOT/scripts/lib/bench_stats.sh"
cd "$BB_REPO_ROOT"

runs=${BB_BENCH_RUNS:-20}
events=${BB_BENCH_EVENTS:-20000}
publish_runs=${BB_BENCH_PUBLISH_RUNS:-3}
build_dir=${BB_BUILD_DIR:-$BB_REPO_ROOT/build}
bench_dir=$BB_REPO_ROOT/scripts/bench
# Debian's python3, which has python3-redis's cluster client (not one from
# a version manager earlier on PATH).
python=/usr/bin/python3

bb_configure "$build_dir" >/dev/null
bb_build "$build_dir" --target bb-trace --target bb-publish >/dev/null
bb_trace=$build_dir/bin/bb-trace
bb_publish=$build_dir/bin/bb-publish

work=$(mktemp -d /tmp/bb-bench-redis-cluster.XXXXXX)
exchange=bench.redis-cluster.$$
queue=$exchange.queue
cleanup() {
    if [[ -n ${BB_TEST_AMQP_PORT:-} && -x $work/publish_baseline ]]; then
        "$work/publish_baseline" delete 127.0.0.1 "$BB_TEST_AMQP_PORT" "$exchange" "$queue" ||
            true
    fi
    if [[ -s $work/keys && -n ${seed:-} ]]; then
        awk '{ printf "DEL %s\r\n", $0 }' "$work/keys" |
            redis-cli -h "$host" -p "$port" --pipe >/dev/null || true
        "$python" - "$seed" "$work/keys" <<'EOF' || true
import sys
from redis.cluster import RedisCluster
host, port = sys.argv[1].rsplit(":", 1)
cluster = RedisCluster(host=host, port=int(port))
pipe = cluster.pipeline(transaction=False)
for key in open(sys.argv[2]).read().split():
    pipe.delete(key)
pipe.execute()
EOF
    fi
    bb_services_release
    rm -rf "$work"
}
trap cleanup EXIT
# The rabbitmq-c baseline's program declares, empties and deletes the queue.
cc -O2 -o "$work/publish_baseline" "$bench_dir/publish_baseline.c" -lrabbitmq

bb_services_acquire
host=$BB_TEST_REDIS_HOST
port=$BB_TEST_REDIS_PORT
cluster_url=${BB_REDIS_CLUSTER_URL:?the services started no Redis Cluster}
seed=${cluster_url#redis://}
seed=${seed%%,*}

bb_info "writing the graphs to one Redis and to the cluster"
"$python" "$bench_dir/trace_load.py" "$work" --cluster "$seed" >"$work/load.resp"
redis-cli -h "$host" -p "$port" --pipe <"$work/load.resp" >/dev/null
root=$(<"$work/tree_root")
tail_id=$(<"$work/chain_tail")

# The tools read Redis from the environment, in a folder without a .env file.
unset REDIS_URL REDIS_HOST REDIS_PORT REDIS_DB REDIS_PASSWORD REDIS_CLUSTER REDIS_SENTINELS NO_COLOR
single=(env REDIS_HOST="$host" REDIS_PORT="$port")
through_cluster=(env REDIS_URL="$cluster_url")
cd "$work"

# The same answer from both, and the round trips each took.
"${single[@]}" "$bb_trace" descendants "$root" --format ids | sort >"$work/single.ids"
"${through_cluster[@]}" "$bb_trace" descendants "$root" --format ids | sort >"$work/cluster.ids"
cmp -s "$work/single.ids" "$work/cluster.ids" ||
    bb_die "the walks through one Redis and through the cluster disagree"
n_desc=$(wc -l <"$work/single.ids")
((n_desc == 11111)) || bb_die "unexpected number of descendants: $n_desc"
trips() { "$@" --stats 2>&1 >/dev/null | sed -n 's/.* \([0-9]*\) Redis round trips.*/\1/p'; }
trips_single=$(trips "${single[@]}" "$bb_trace" descendants "$root" --format ids)
trips_cluster=$(trips "${through_cluster[@]}" "$bb_trace" descendants "$root" --format ids)

# shellcheck disable=SC2034 # used through the indirect expansion of alternate()
{
    single_desc=("${single[@]}" "$bb_trace" descendants "$root" --format ids --stats)
    cluster_desc=("${through_cluster[@]}" "$bb_trace" descendants "$root" --format ids --stats)
    single_chain=("${single[@]}" "$bb_trace" ancestors "$tail_id" --depth 1000 --format ids --stats)
    cluster_chain=("${through_cluster[@]}" "$bb_trace" ancestors "$tail_id" --depth 1000 \
        --format ids --stats)
}
bb_info "walking, $runs alternating runs each"
read -r s1 s1_in c1 c1_in < <(alternate single_desc cluster_desc)
read -r s2 s2_in c2 c2_in < <(alternate single_chain cluster_chain)

# Tracked publishing: the same envelopes through each, alternately. Their
# keys join the cleanup list.
bb_info "tracked publishing of $events envelopes, $publish_runs alternating runs each"
python3 "$bench_dir/envelopes.py" "$events" "$work/events.ndjson"
python3 - "$work/events.ndjson" >>"$work/keys" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    print("bloodbank:event:" + e["event_id"])
    print("bloodbank:correlation:forward:" + e["event_id"])
    for parent in e["correlation_ids"]:
        print("bloodbank:correlation:reverse:" + parent)
EOF
"$work/publish_baseline" declare 127.0.0.1 "$BB_TEST_AMQP_PORT" "$exchange" "$queue" classic
publish=(env RABBIT_URL="$BB_TEST_RABBIT_URL" EXCHANGE_NAME="$exchange" "$bb_publish" --quiet
    --require-tracking)
seconds_of() {
    local start=$EPOCHREALTIME
    "$@" <"$work/events.ndjson" >/dev/null
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", b - a }'
}
: >"$work/single.s"
: >"$work/cluster.s"
for ((r = 1; r <= publish_runs; r++)); do
    seconds_of "${single[@]}" "${publish[@]}" >>"$work/single.s"
    "$work/publish_baseline" purge 127.0.0.1 "$BB_TEST_AMQP_PORT" "$queue"
    seconds_of "${through_cluster[@]}" "${publish[@]}" >>"$work/cluster.s"
    "$work/publish_baseline" purge 127.0.0.1 "$BB_TEST_AMQP_PORT" "$queue"
done
single_rate=$(rate "$events" "$(column_median "$work/single.s" 1)")
cluster_rate=$(rate "$events" "$(column_median "$work/cluster.s" 1)")

verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "met" : "MISSED") }'; }
printf '\nA Redis Cluster of three masters against one Redis, medians of alternating\n'
printf 'runs, load average %s\n\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %12s %12s %7s\n' "" "one Redis" "cluster" "ratio"
awk -v a="$s1_in" -v b="$c1_in" 'BEGIN {
    printf "%-44s %9.1f ms %9.1f ms %6.2fx\n", "descendants of the tree root, walk (--stats)", a, b, b / a }'
awk -v a="$s1" -v b="$c1" 'BEGIN {
    printf "%-44s %9.1f ms %9.1f ms %6.2fx\n", "  the same, whole process", a * 1000, b * 1000, b / a }'
printf '%-44s %12s %12s\n' "  round trips" "$trips_single" "$trips_cluster"
awk -v a="$s2_in" -v b="$c2_in" 'BEGIN {
    printf "%-44s %9.1f ms %9.1f ms %6.2fx\n", "ancestors of the chain tail (1,000), walk", a, b, b / a }'
awk -v a="$s2" -v b="$c2" 'BEGIN {
    printf "%-44s %9.1f ms %9.1f ms %6.2fx\n", "  the same, whole process", a * 1000, b * 1000, b / a }'
printf '%-44s %9s /s %9s /s %6sx   (runs: %s | %s)\n' "bb-publish --require-tracking, events" \
    "$single_rate" "$cluster_rate" "$(ratio "$cluster_rate" "$single_rate")" \
    "$(rates "$events" "$work/single.s")" "$(rates "$events" "$work/cluster.s")"

printf '\nTargets:\n'
awk -v a="$c1_in" -v b="$s1_in" -v v="$(verdict "$c1_in" "$(awk -v b="$s1_in" 'BEGIN { print b * 1.3 }')")" 'BEGIN {
    printf "  walk through the cluster %.1f ms / one Redis %.1f ms = %.2fx (target <= 1.3x): %s\n",
        a, b, a / b, v }'
awk -v a="$cluster_rate" -v b="$single_rate" -v v="$(verdict "$(awk -v b="$single_rate" 'BEGIN { print b * 0.9 }')" "$cluster_rate")" 'BEGIN {
    printf "  tracked publishing through the cluster %d/s / one Redis %d/s = %.2fx (target >= 0.9x): %s\n",
        a, b, a / b, v }'
