#!/usr/bin/env bash
# Benchmark replaying the bus from a stream: bb-consume reading N envelopes
# (default 1,000,000, ~500 bytes) of a stream queue from its first offset to
# /dev/null, against consume_baseline.c's `replay`, the smallest rabbitmq-c
# consumer doing the same (x-stream-offset first, the same prefetch, one
# basic.ack per message, stdout buffered by stdio), measured in the same run:
#
#   1. throughput: both stop after exactly N messages (`bb-consume --count N`),
#      so no idle time is counted; target bb-consume >= 0.90 x the baseline;
#   2. peak RSS of bb-consume reading 1,000 and N events: flat.
#
# The stream is filled once by publish_baseline.c (not timed) and read again
# by every run (a stream is not emptied by reading it). Runs alternate between
# the tools; medians are reported, with CPU time next to wall time. Nothing
# here asserts a timing; it fails only if a tool failed or read fewer events.
#
#   scripts/bench/replay.sh
#   BB_STATE_DIR=build/cluster-state/node1 scripts/bench/replay.sh   # on a cluster
#
# Environment: BB_BUILD_DIR (default build/), BB_BENCH_EVENTS (1000000),
# BB_BENCH_RUNS (3), BB_BENCH_PREFETCH (256, both tools). Services: those of
# scripts/services.sh (or, with BB_STATE_DIR, the set running from there, such
# as node 1 of scripts/cluster.sh), started here (and stopped again) unless
# they are already running. Loopback only. The bench's exchange and stream
# are deleted at the end.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/bench_stats.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bench_stats.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/bench_consume_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bench_consume_setup.sh"
cd "$BB_REPO_ROOT"

events=${BB_BENCH_EVENTS:-1000000}
runs=${BB_BENCH_RUNS:-3}
prefetch=${BB_BENCH_PREFETCH:-256}
build_dir=${BB_BUILD_DIR:-$BB_REPO_ROOT/build}
bench_dir=$BB_REPO_ROOT/scripts/bench

bench_consume_setup replay stream
stream=$queue
"$work/publish_baseline" declare 127.0.0.1 "$port" "$exchange" "$stream" stream

bb_info "generating and publishing $events envelopes into the stream"
python3 "$bench_dir/envelopes.py" "$events" /dev/null "$work/all.tsv"
size=$(($(head -n 1000 "$work/all.tsv" | cut -f5 | wc -c) / 1000 - 1))
"$work/publish_baseline" publish 127.0.0.1 "$port" "$exchange" 1000 "$work/all.tsv"
rm -f "$work/all.tsv"

# Runs a command with stdout to /dev/null and appends one line to FILE: wall
# seconds (nanosecond clock), CPU seconds, peak RSS in KiB.
measure() { # FILE COMMAND...
    local file=$1 start end
    shift
    start=$(date +%s%N)
    /usr/bin/time -f '%U %S %M' -o "$work/time.out" "$@" >/dev/null 2>"$work/err" ||
        bb_die "$* failed: $(cat "$work/err")"
    end=$(date +%s%N)
    read -r user sys rss <"$work/time.out"
    awk -v a="$start" -v b="$end" -v u="$user" -v s="$sys" -v m="$rss" \
        'BEGIN { printf "%.3f %.2f %d\n", (b - a) / 1e9, u + s, m }' >>"$file"
}

# bb-consume reads COUNT events from the first offset; its summary must say
# it stopped there.
bb_replay() { # FILE COUNT
    measure "$1" env -u REDIS_URL -u REDIS_HOST RABBIT_URL="amqp://guest:guest@127.0.0.1:$port/" \
        EXCHANGE_NAME="$exchange" "$bb_consume" --queue "$stream" --queue-type stream \
        --from first --count "$2" --idle-timeout 10 --prefetch "$prefetch" --verbose
    grep -qE ": $2 done.*--count reached" "$work/err" ||
        bb_die "bb-consume read fewer than $2 events: $(cat "$work/err")"
}
baseline_replay() { # FILE COUNT
    measure "$1" "$work/consume_baseline" replay 127.0.0.1 "$port" "$stream" "$prefetch" "$2"
}


load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= runs; r++)); do
    bb_info "replay run $r of $runs ($events events)"
    if ((r % 2)); then
        baseline_replay "$work/replay.baseline" "$events"
        bb_replay "$work/replay.bb" "$events"
    else
        bb_replay "$work/replay.bb" "$events"
        baseline_replay "$work/replay.baseline" "$events"
    fi
done
bb_info "peak RSS reading 1000 events"
bb_replay "$work/rss.small" 1000
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

base_s=$(column_median "$work/replay.baseline" 1)
bb_s=$(column_median "$work/replay.bb" 1)
base_rate=$(rate "$events" "$base_s")
bb_rate=$(rate "$events" "$bb_s")

cat <<EOF

stream replay benchmark: $(nproc) cores, load average $load_before before, $load_after after,
broker 127.0.0.1:$port; $events envelopes of ~$size bytes read from the first offset
of a stream to /dev/null, prefetch $prefetch, median of $runs alternating runs
  baseline (rabbitmq-c, ack each)  $base_rate events/s   ${base_s} s, CPU $(column_median "$work/replay.baseline" 2) s   (runs: $(rates "$events" "$work/replay.baseline"))
  bb-consume --from first          $bb_rate events/s   ${bb_s} s, CPU $(column_median "$work/replay.bb" 2) s   (runs: $(rates "$events" "$work/replay.bb"))
                                   $(ratio "$bb_rate" "$base_rate") x baseline (target >= 0.90)
peak RSS of bb-consume (flat)
EOF
printf '  %-9s events                 %s MiB\n' 1000 "$(mib "$(column_max "$work/rss.small" 3)")"
printf '  %-9s events                 %s MiB (baseline %s MiB)\n' "$events" \
    "$(mib "$(column_max "$work/replay.bb" 3)")" "$(mib "$(column_max "$work/replay.baseline" 3)")"
