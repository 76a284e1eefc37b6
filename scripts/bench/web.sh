#!/usr/bin/env bash
# First paint of bb-trace serve's chain page for the root of an 11,111-event
# tree (branching 10, depth 4), measured in headless chromium with the
# page's own Performance API, next to a baseline measured in the same run
# and the same browser: fetching the JSON the page reads, alone.
#
#   scripts/bench/web.sh
#
# The page opens with three levels (at most 500 events each way) and loads
# more only when a row's "+N below" is pressed, so its first paint must not
# grow with the tree. Needs chromium, chromium-driver and python3-selenium
# (scripts/setup.sh). Environment: BB_BUILD_DIR (default build/),
# BB_BENCH_RUNS (10; medians). Services: those of scripts/services.sh,
# started here (and stopped again) unless already running. Loopback only;
# every process started is stopped by pid.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
cd "$BB_REPO_ROOT"

runs=${BB_BENCH_RUNS:-10}
build_dir=${BB_BUILD_DIR:-$BB_REPO_ROOT/build}
bench_dir=$BB_REPO_ROOT/scripts/bench
# Debian's selenium lives in the system Python.
python=/usr/bin/python3

bb_configure "$build_dir" >/dev/null
bb_build "$build_dir" --target bb-trace >/dev/null

work=$(mktemp -d /tmp/bb-bench-web.XXXXXX)
loaded=0
serve_pid=
cleanup() {
    if [[ -n $serve_pid ]]; then
        kill "$serve_pid" 2>/dev/null || true
        wait "$serve_pid" 2>/dev/null || true
    fi
    if ((loaded)); then
        awk '{ printf "DEL %s\r\n", $0 }' "$work/keys" |
            redis-cli -h "$host" -p "$port" --pipe >/dev/null || true
    fi
    bb_services_release
    rm -rf "$work"
}
trap cleanup EXIT

bb_services_acquire
host=$BB_TEST_REDIS_HOST
port=$BB_TEST_REDIS_PORT

python3 "$bench_dir/trace_load.py" "$work" >"$work/load.resp"
loaded=1
redis-cli -h "$host" -p "$port" --pipe <"$work/load.resp" >/dev/null
root=$(<"$work/tree_root")

(
    cd "$work"
    unset REDIS_URL REDIS_DB REDIS_PASSWORD HTTP_HOST HTTP_PORT
    exec env REDIS_HOST="$host" REDIS_PORT="$port" "$build_dir/bin/bb-trace" serve \
        --http-port 0 2>"$work/serve.log"
) &
serve_pid=$!
url=
for _ in $(seq 100); do
    url=$(sed -n 's/^bb-trace: the web page: \(http:[^ ]*\)\/$/\1/p' "$work/serve.log")
    [[ -n $url ]] && break
    sleep 0.1
done
[[ -n $url ]] || bb_die "bb-trace serve did not start: $(cat "$work/serve.log")"

read -r page fetch shown < <("$python" "$bench_dir/web_paint.py" "$url" "$root" "$runs")
printf '\nbb-trace serve: the chain page of an 11,111-event tree'\''s root, median of %s runs\n' "$runs"
printf 'in headless chromium, load average %s\n\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-52s %9.1f ms\n' "first paint of the timeline ($shown rows)" "$page"
printf '%-52s %9.1f ms\n' "baseline: the page's JSON fetched alone" "$fetch"
awk -v a="$page" -v b="$fetch" 'BEGIN { printf "%-52s %9.1fx\n", "ratio", a / b }'
printf '\nTarget: first paint under a second.\n'
