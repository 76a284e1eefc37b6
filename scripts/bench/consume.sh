#!/usr/bin/env bash
# Benchmark bb-consume against baselines measured in the same run:
#
#   1. draining N persistent envelopes (default 100,000, ~500 bytes) from a
#      durable queue to /dev/null with `bb-consume --queue Q --idle-timeout 1`
#      against consume_baseline.c, the smallest rabbitmq-c consumer with the
#      same prefetch, one basic.ack per message and the same idle second at
#      the end (subtracted from both times, so the ratio is about throughput);
#   2. `bb-consume --exec true` over M events (default 2,000) against
#      exec_loop.c, a plain fork/execvp/waitpid loop running `true` M times
#      (the idle second is subtracted from bb-consume's time); the same loop
#      with posix_spawnp (which, like bb-consume, copies no page tables) is
#      shown too, as the floor of what starting M processes costs;
#   3. peak RSS of bb-consume draining 1,000 and N events, and with
#      BB_BENCH_LARGE=1 also 1,000,000 (slow: the queue is filled first).
#
# The queue is filled before each drain by publish_baseline.c (not timed); a
# drain that stopped early (nothing came for the idle time) is run again.
# Runs alternate between the tools; medians are reported, with CPU time
# (user+sys) next to wall time, since on a busy machine the wall clock also
# counts waiting. Nothing here asserts a timing; it fails only if a run left
# messages in the queue or a tool failed.
#
#   scripts/bench/consume.sh
#
# Environment: BB_BUILD_DIR (default build/), BB_BENCH_EVENTS (100000),
# BB_BENCH_EXEC_EVENTS (2000), BB_BENCH_RUNS (3), BB_BENCH_PREFETCH (256, both
# tools; bb-consume's default when streaming), BB_BENCH_IDLE (1: seconds
# without a message that end a drain, both tools), BB_BENCH_LARGE (0; 1 adds
# the 1,000,000-event RSS run). Services: those of scripts/services.sh, started
# here (and stopped again) unless they are already running. Loopback only.
# The bench's exchange and queue are deleted at the end.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/bench_stats.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bench_stats.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/bench_consume_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bench_consume_setup.sh"
cd "$BB_REPO_ROOT"

events=${BB_BENCH_EVENTS:-100000}
exec_events=${BB_BENCH_EXEC_EVENTS:-2000}
runs=${BB_BENCH_RUNS:-3}
prefetch=${BB_BENCH_PREFETCH:-256}
large=${BB_BENCH_LARGE:-0}
large_events=1000000
idle=${BB_BENCH_IDLE:-1}
build_dir=${BB_BUILD_DIR:-$BB_REPO_ROOT/build}
bench_dir=$BB_REPO_ROOT/scripts/bench

bench_consume_setup consume queue exec_loop
"$work/publish_baseline" declare 127.0.0.1 "$port" "$exchange" "$queue"

largest=$events
[[ $large == 1 ]] && largest=$((events > large_events ? events : large_events))
bb_info "generating $largest envelopes"
python3 "$bench_dir/envelopes.py" "$largest" /dev/null "$work/all.tsv"
size=$(($(head -n 1000 "$work/all.tsv" | cut -f5 | wc -c) / 1000 - 1))

# Puts the first COUNT envelopes into the (empty) queue, persistent, confirmed.
fill() { # COUNT
    head -n "$1" "$work/all.tsv" >"$work/fill.tsv"
    "$work/publish_baseline" publish 127.0.0.1 "$port" "$exchange" 1000 "$work/fill.tsv"
}
left_in_queue() { "$work/consume_baseline" count 127.0.0.1 "$port" "$queue"; }

# Runs a command with stdout to /dev/null and appends one line to FILE:
# wall seconds (nanosecond clock, minus SUBTRACT), CPU seconds, peak RSS in KiB.
measure() { # FILE SUBTRACT COMMAND...
    local file=$1 subtract=$2 start end
    shift 2
    start=$(date +%s%N)
    /usr/bin/time -f '%U %S %M' -o "$work/time.out" "$@" >/dev/null
    end=$(date +%s%N)
    read -r user sys rss <"$work/time.out"
    awk -v a="$start" -v b="$end" -v d="$subtract" -v u="$user" -v s="$sys" -v m="$rss" \
        'BEGIN { printf "%.3f %.2f %d\n", (b - a) / 1e9 - d, u + s, m }' >>"$file"
}
# Fills the queue with COUNT envelopes and measures COMMAND draining it. A run
# that stopped early (the broker, starved on a busy machine, sent nothing for
# the whole idle time) measured nothing useful: it is retried, twice at most.
drain() { # FILE COUNT COMMAND...
    local file=$1 count=$2 left
    shift 2
    for _ in 1 2 3; do
        fill "$count"
        rm -f "$work/attempt"
        measure "$work/attempt" "$idle" "$@"
        left=$(left_in_queue)
        if [[ $left == 0 ]]; then
            cat "$work/attempt" >>"$file"
            return
        fi
        bb_info "a run for ${file##*/} stopped with $left events left (nothing came for $idle s); again"
        "$work/publish_baseline" purge 127.0.0.1 "$port" "$queue"
    done
    bb_die "three runs for ${file##*/} stopped early: try a larger BB_BENCH_IDLE"
}

consume_env=(env -u REDIS_URL -u REDIS_HOST RABBIT_URL="amqp://guest:guest@127.0.0.1:$port/"
    EXCHANGE_NAME="$exchange")
bb_consume_queue=("${consume_env[@]}" "$bb_consume" --queue "$queue")
bb_drain=("${bb_consume_queue[@]}" --idle-timeout "$idle")
baseline_drain=("$work/consume_baseline" drain 127.0.0.1 "$port" "$queue" "$prefetch" "$idle")


load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# 1. Draining: which tool goes first alternates from run to run.
for ((r = 1; r <= runs; r++)); do
    bb_info "drain run $r of $runs ($events events)"
    order=(baseline bb)
    ((r % 2)) || order=(bb baseline)
    for tool in "${order[@]}"; do
        if [[ $tool == bb ]]; then
            drain "$work/drain.bb" "$events" "${bb_drain[@]}" --prefetch "$prefetch"
        else
            drain "$work/drain.baseline" "$events" "${baseline_drain[@]}"
        fi
    done
done

# 2. A command per event; the loops need no broker, so nothing to subtract.
# Which of the three goes first rotates.
exec_run() {
    case $1 in
    bb) drain "$work/exec.bb" "$exec_events" "${bb_drain[@]}" --exec true ;;
    *) measure "$work/exec.$1" 0 "$work/exec_loop" "$1" "$exec_events" true </dev/null ;;
    esac
}
exec_order=(fork spawn bb)
for ((r = 1; r <= runs; r++)); do
    bb_info "exec run $r of $runs ($exec_events events)"
    for ((i = 0; i < 3; i++)); do
        exec_run "${exec_order[(r - 1 + i) % 3]}"
    done
done

# 3. Peak RSS for other sizes (that of N events comes from the drain runs).
# Not timed, so a longer idle time: a broker reading a million persistent
# messages back from disk can pause for more than a second.
rss_sizes=(1000)
[[ $large == 1 ]] && rss_sizes+=("$large_events")
for n in "${rss_sizes[@]}"; do
    bb_info "peak RSS draining $n events"
    drain "$work/rss.$n" "$n" "${bb_consume_queue[@]}" --idle-timeout 10
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

base_s=$(column_median "$work/drain.baseline" 1)
bb_s=$(column_median "$work/drain.bb" 1)
base_rate=$(rate "$events" "$base_s")
bb_rate=$(rate "$events" "$bb_s")
loop_s=$(column_median "$work/exec.fork" 1)
spawn_s=$(column_median "$work/exec.spawn" 1)
exec_s=$(column_median "$work/exec.bb" 1)

cat <<EOF

bb-consume benchmark: $(nproc) cores, load average $load_before before, $load_after after
draining $events persistent envelopes of ~$size bytes from a durable queue to /dev/null,
prefetch $prefetch, the idle second subtracted, median of $runs alternating runs
  baseline (rabbitmq-c, ack each)  $base_rate events/s   ${base_s} s, CPU $(column_median "$work/drain.baseline" 2) s   (runs: $(rates "$events" "$work/drain.baseline"))
  bb-consume                       $bb_rate events/s   ${bb_s} s, CPU $(column_median "$work/drain.bb" 2) s   (runs: $(rates "$events" "$work/drain.bb"))
                                   $(ratio "$bb_rate" "$base_rate") x baseline (target >= 0.90)
--exec true over $exec_events events, median of $runs alternating runs
  fork/execvp/waitpid loop         ${loop_s} s, CPU $(column_median "$work/exec.fork" 2) s   ($(rate "$exec_events" "$loop_s") runs/s)
  posix_spawnp/waitpid loop        ${spawn_s} s, CPU $(column_median "$work/exec.spawn" 2) s   ($(rate "$exec_events" "$spawn_s") runs/s)
  bb-consume --exec true           ${exec_s} s, CPU $(column_median "$work/exec.bb" 2) s   ($(rate "$exec_events" "$exec_s") events/s)
                                   $(ratio "$exec_s" "$loop_s") x the fork loop's time (target <= 1.2), $(ratio "$exec_s" "$spawn_s") x the spawn loop's
peak RSS of bb-consume (target < 16 MiB and flat)
EOF
for n in "${rss_sizes[@]}"; do
    printf '  %-9s events                 %s MiB\n' "$n" "$(mib "$(column_max "$work/rss.$n" 3)")"
done
printf '  %-9s events                 %s MiB (largest of the drain runs; baseline %s MiB)\n' \
    "$events" "$(mib "$(column_max "$work/drain.bb" 3)")" \
    "$(mib "$(column_max "$work/drain.baseline" 3)")"
printf '  --exec, %-9s events         %s MiB\n' "$exec_events" \
    "$(mib "$(column_max "$work/exec.bb" 3)")"
