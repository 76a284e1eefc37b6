#!/usr/bin/env bash
# Benchmark bb-id's bulk mode against baselines measured in the same run:
#
#   1. `bb-id --batch` on N single-key requests (default 1,000,000) against
#      id_baseline.py, a python3 loop computing the same uuid5s the way the
#      Python system does, and against `cat` of the same file (the I/O floor);
#      the two outputs are compared, so a fast wrong answer cannot pass;
#   2. `bb-id --batch` on N two-field requests, against the single-key run;
#   3. `bb-id --random -n N` and `bb-id --time -n N`, against `cat`.
#
#   scripts/bench/id.sh
#
# Environment: BB_BUILD_DIR (default build/), BB_BENCH_IDS (1000000),
# BB_BENCH_RUNS (5; medians reported), BB_BENCH_PYTHON_RUNS (1). No services.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
cd "$BB_REPO_ROOT"

ids=${BB_BENCH_IDS:-1000000}
runs=${BB_BENCH_RUNS:-5}
python_runs=${BB_BENCH_PYTHON_RUNS:-1}
build_dir=${BB_BUILD_DIR:-$BB_REPO_ROOT/build}
bench_dir=$(dirname "${BASH_SOURCE[0]}")

bb_configure "$build_dir" >/dev/null
bb_build "$build_dir" --target bb-id >/dev/null
bb_id=$build_dir/bin/bb-id

work=$(mktemp -d /tmp/bb-bench-id.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Request files: single keys, and two fields (one a number) per line.
awk -v n="$ids" 'BEGIN {
    for (i = 0; i < n; i++)
        printf "{\"event_type\":\"fireflies.transcript.upload\",\"key\":\"meeting_%d\"}\n", i * 7919
}' >"$work/keys.ndjson"
awk -v n="$ids" 'BEGIN {
    for (i = 0; i < n; i++)
        printf "{\"event_type\":\"fireflies.transcript.upload\",\"fields\":{\"user_id\":\"user_%d\",\"meeting_id\":%d}}\n", i % 977, i
}' >"$work/fields.ndjson"

# Wall time of one run of "$@" in seconds, stdin from $in, stdout to $out.
seconds() {
    local start end
    start=$(date +%s%N)
    "$@" <"$in" >"$out"
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

# Median wall time of $1 runs of the rest.
median() {
    local count=$1 i
    shift
    for ((i = 0; i < count; i++)); do
        seconds "$@"
    done | sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'
}

rate() { awk -v n="$ids" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

in=$work/keys.ndjson
out=/dev/null
t_cat=$(median "$runs" cat)
out=$work/bb-id.out
t_keys=$(median "$runs" "$bb_id" --batch)
out=$work/python.out
t_python=$(median "$python_runs" python3 "$bench_dir/id_baseline.py")
if ! cmp -s "$work/bb-id.out" "$work/python.out"; then
    bb_die "bb-id and python3 disagree on the ids (see $work)"
fi
[[ $(wc -l <"$work/bb-id.out") -eq $ids ]] || bb_die "bb-id printed the wrong number of lines"
# CPU time next to wall time: on a busy machine the wall clock also counts waiting.
read -r rss_kb cpu_s < <(/usr/bin/time -f '%M %U %S' "$bb_id" --batch <"$in" 2>&1 >/dev/null |
    awk '{ printf "%s %.3f\n", $1, $2 + $3 }')
load=$(cut -d' ' -f1 /proc/loadavg)

in=$work/fields.ndjson
out=/dev/null
t_fields=$(median "$runs" "$bb_id" --batch)
in=/dev/null
t_random=$(median "$runs" "$bb_id" --random -n "$ids")
t_time=$(median "$runs" "$bb_id" --time -n "$ids")

printf 'bb-id bench: %d ids, median of %d runs (python3: %d), %s cores, load %s\n' \
    "$ids" "$runs" "$python_runs" "$(nproc)" "$load"
printf '  %-34s %8s s %12s ids/s\n' \
    "cat (I/O floor)" "$t_cat" "$(rate "$t_cat")" \
    "python3 uuid5 loop (baseline)" "$t_python" "$(rate "$t_python")" \
    "bb-id --batch, key" "$t_keys" "$(rate "$t_keys")" \
    "bb-id --batch, 2 fields" "$t_fields" "$(rate "$t_fields")" \
    "bb-id --random -n N" "$t_random" "$(rate "$t_random")" \
    "bb-id --time -n N" "$t_time" "$(rate "$t_time")"
printf '  ratio bb-id --batch / python3 time:   %s (bb-id is %sx faster)\n' \
    "$(awk -v a="$t_keys" -v b="$t_python" 'BEGIN { printf "%.3f", a / b }')" \
    "$(ratio "$t_python" "$t_keys")"
printf '  ratio bb-id --batch / cat time:       %s\n' "$(ratio "$t_keys" "$t_cat")"
printf '  ratio fields / key batch time:        %s\n' "$(ratio "$t_fields" "$t_keys")"
printf '  bb-id --batch CPU time (user+sys):    %s s\n' "$cpu_s"
printf '  bb-id --batch peak RSS:               %s KiB\n' "$rss_kb"
printf '  outputs of bb-id and python3:         identical\n'
