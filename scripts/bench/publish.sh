#!/usr/bin/env bash
# Benchmark bb-publish against a baseline measured in the same run:
#
#   1. throughput streaming N envelopes (default 100,000, ~500 bytes, durable
#      queue bound to the exchange, persistent messages, confirms) against
#      publish_baseline.c, the smallest rabbitmq-c loop sending the same
#      messages with the same properties and the same window of unconfirmed
#      messages;
#   2. the same with correlation tracking on, against bb-publish without it;
#   3. one event per process (`bb-publish < event.json`, the cron pattern)
#      against `amqp-publish` (which does not even wait for a confirm), with
#      the baseline publishing that one message and waiting for its confirm
#      as the floor a confirming publisher can reach;
#   4. peak RSS publishing 1,000 and 1,000,000 events.
#
#   scripts/bench/publish.sh
#
# Environment: BB_BUILD_DIR (default build/), BB_BENCH_EVENTS (100000),
# BB_BENCH_RUNS (3, alternating, medians reported), BB_BENCH_WINDOW (1000, both
# tools), BB_BENCH_SINGLE_RUNS (300), BB_BENCH_BIG_EVENTS (1000000; 0 skips
# that run), BB_BENCH_QUEUE_TYPE (classic; quorum for a cluster). Services:
# those of scripts/services.sh, started here (and stopped again) unless they
# are already running; on a cluster, BB_STATE_DIR=build/cluster-state/node1
# (scripts/cluster.sh up first) runs every tool against node 1. Loopback only. The tracked
# runs write to Redis database 15, which is emptied at the end; the bench's
# exchange and queue are deleted.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
cd "$BB_REPO_ROOT"

events=${BB_BENCH_EVENTS:-100000}
runs=${BB_BENCH_RUNS:-3}
window=${BB_BENCH_WINDOW:-1000}
single_runs=${BB_BENCH_SINGLE_RUNS:-300}
big_events=${BB_BENCH_BIG_EVENTS:-1000000}
queue_type=${BB_BENCH_QUEUE_TYPE:-classic}
build_dir=${BB_BUILD_DIR:-$BB_REPO_ROOT/build}
bench_dir=$BB_REPO_ROOT/scripts/bench

bb_configure "$build_dir" >/dev/null
bb_build "$build_dir" --target bb-publish >/dev/null
bb_publish=$build_dir/bin/bb-publish

work=$(mktemp -d /tmp/bb-bench-publish.XXXXXX)
exchange=bench.publish.$$
queue=bench.publish.$$.queue
redis_db=15
cleanup() {
    if [[ -n ${BB_TEST_AMQP_PORT:-} && -x $work/publish_baseline ]]; then
        "$work/publish_baseline" delete 127.0.0.1 "$BB_TEST_AMQP_PORT" "$exchange" "$queue" ||
            true
        redis-cli -h 127.0.0.1 -p "$BB_TEST_REDIS_PORT" -n "$redis_db" flushdb >/dev/null || true
    fi
    rm -rf "$work"
    bb_services_release
}
trap cleanup EXIT

cc -O2 -o "$work/publish_baseline" scripts/bench/publish_baseline.c -lrabbitmq
baseline=$work/publish_baseline

bb_services_acquire
port=$BB_TEST_AMQP_PORT
"$baseline" declare 127.0.0.1 "$port" "$exchange" "$queue" "$queue_type"
purge() { "$baseline" purge 127.0.0.1 "$port" "$queue"; }

# The messages: canonical envelopes of ~500 bytes, half of them with a parent
# (so tracking has links to write), plus the same messages with their AMQP
# properties split out for the baseline.
generate() { # COUNT NDJSON [TSV]
    python3 "$bench_dir/envelopes.py" "$@"
}

# Wall seconds of one command (stdout discarded).
seconds_of() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rate() { awk -v n="$events" -v s="$1" 'BEGIN { printf "%d\n", n / s }'; }
rates() { awk -v n="$events" '{ printf "%s%d", (NR > 1 ? " " : ""), n / $1 } END { print "" }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; }

bb_info "generating $events envelopes"
generate "$events" "$work/events.ndjson" "$work/events.tsv"
size=$(($(wc -c <"$work/events.ndjson") / events))

publish_env=(env -u REDIS_URL -u REDIS_HOST RABBIT_URL="amqp://guest:guest@127.0.0.1:$port/"
    EXCHANGE_NAME="$exchange")
run_baseline() { "$baseline" publish 127.0.0.1 "$port" "$exchange" "$window" "$work/events.tsv"; }
run_bb() { "${publish_env[@]}" "$bb_publish" --quiet --max-in-flight "$window" <"$work/events.ndjson"; }
run_bb_tracked() {
    "${publish_env[@]}" REDIS_HOST=127.0.0.1 REDIS_PORT="$BB_TEST_REDIS_PORT" REDIS_DB=$redis_db \
        "$bb_publish" --quiet --require-tracking --max-in-flight "$window" <"$work/events.ndjson"
}

rm -f "$work/baseline.s" "$work/bb.s" "$work/tracked.s"
for ((r = 1; r <= runs; r++)); do
    bb_info "throughput run $r of $runs"
    seconds_of run_baseline >>"$work/baseline.s"
    purge
    seconds_of run_bb >>"$work/bb.s"
    purge
    seconds_of run_bb_tracked >>"$work/tracked.s"
    purge
done
baseline_rate=$(rate "$(median <"$work/baseline.s")")
bb_rate=$(rate "$(median <"$work/bb.s")")
tracked_rate=$(rate "$(median <"$work/tracked.s")")
tracked_children=$(redis-cli -h 127.0.0.1 -p "$BB_TEST_REDIS_PORT" -n $redis_db dbsize)

# One event per process, the three tools in turn (which goes first rotates):
# amqp-publish (the target's yardstick, which does not wait for a confirm),
# the baseline program publishing the same one message and waiting for its
# confirm (what the wait alone costs), and bb-publish.
bb_info "one event per process, $single_runs runs each"
head -n 1 "$work/events.ndjson" >"$work/event.json"
head -n 1 "$work/events.tsv" >"$work/event.tsv"
single=$(python3 - "$single_runs" "$work/event.json" "$bb_publish" "$port" "$exchange" \
    "$baseline" "$work/event.tsv" <<'EOF'
import json, os, statistics, subprocess, sys, time
runs, event, bb, port, exchange, baseline, tsv = sys.argv[1:8]
runs = int(runs)
body = open(event).read().strip()
url = "amqp://guest:guest@127.0.0.1:%s/" % port
env = dict(os.environ, RABBIT_URL=url, EXCHANGE_NAME=exchange)
env.pop("REDIS_URL", None); env.pop("REDIS_HOST", None)
# No trailing slash for amqp-publish: rabbitmq-c reads it as the empty vhost.
tools = {
    "amqp": ["amqp-publish", "-u", url.rstrip("/"), "-e", exchange, "-r",
             json.loads(body)["event_type"], "-p", "-C", "application/json", "-E", "utf-8",
             "-b", body],
    "confirm": [baseline, "publish", "127.0.0.1", port, exchange, "1", tsv],
    "bb": [bb, "--quiet"],
}
names = list(tools)
times = {name: [] for name in names}
for run in range(runs):
    for name in names[run % 3:] + names[:run % 3]:
        with open(event) as stdin:
            start = time.perf_counter()
            subprocess.run(tools[name], stdin=stdin if name == "bb" else subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, env=env, check=True)
            times[name].append(time.perf_counter() - start)
print(" ".join("%.2f" % (statistics.median(times[name]) * 1000) for name in names))
EOF
)
purge
read -r amqp_ms confirm_ms bb_ms <<<"$single"

# Peak RSS (kB) of bb-publish for a small and a large input, input streamed in.
peak_rss() { # COUNT
    generate "$1" "$work/rss.ndjson"
    /usr/bin/time -f %M -o "$work/rss.kb" "${publish_env[@]}" "$bb_publish" --quiet \
        <"$work/rss.ndjson" >/dev/null
    rm -f "$work/rss.ndjson"
    purge
    awk '{ printf "%.1f\n", $1 / 1024 }' "$work/rss.kb"
}
if [[ -x /usr/bin/time ]]; then
    bb_info "peak RSS for 1000 events"
    rss_small=$(peak_rss 1000)
    rss_big=skipped
    if ((big_events > 0)); then
        bb_info "peak RSS for $big_events events"
        rss_big=$(peak_rss "$big_events")
    fi
else
    rss_small="n/a (install the time package)" rss_big=$rss_small
fi

cat <<EOF

bb-publish benchmark: $events envelopes of ~$size bytes, durable $queue_type queue, persistent,
confirms with a window of $window, median of $runs alternating runs
  baseline (rabbitmq-c loop)   $baseline_rate events/s   (runs: $(rates "$work/baseline.s"))
  bb-publish                   $bb_rate events/s   $(ratio "$bb_rate" "$baseline_rate") x baseline (target >= 0.90)   (runs: $(rates "$work/bb.s"))
  bb-publish, tracking on      $tracked_rate events/s   $(ratio "$tracked_rate" "$bb_rate") x untracked (target >= 0.90)   (runs: $(rates "$work/tracked.s"))
                               $tracked_children Redis keys written
one event per process, median of $single_runs
  amqp-publish (no confirm)    $amqp_ms ms
  baseline, waits for confirm  $confirm_ms ms   $(ratio "$confirm_ms" "$amqp_ms") x amqp-publish
  bb-publish < event.json      $bb_ms ms   $(ratio "$bb_ms" "$amqp_ms") x amqp-publish (target <= 1.2), $(ratio "$bb_ms" "$confirm_ms") x the confirming baseline (target <= 1.10)
peak RSS of bb-publish
  1000 events                  $rss_small MiB
  $big_events events              $rss_big MiB (target < 16)
EOF
