#!/usr/bin/env bash
# The functions a one-event bb-publish run executes, for the linker to place
# side by side (apps/bb-publish/hot_functions.txt, lld's
# --symbol-ordering-file): a run then faults in about 0.8 MB less of the
# binary, which a cron job pays on every event.
#
#   scripts/hot_functions.sh           print the list (redirect it into the file)
#   scripts/hot_functions.sh --check   exit 1 when the file misses more than a
#                                      tenth of the functions a run executes now
#
# Two runs under valgrind's callgrind, which names every function executed:
# a complete envelope, and a bare one that bb-publish completes, each
# published to the broker's own amq.topic (nothing is declared, nothing is
# left behind) without tracking. Services: those of scripts/services.sh,
# started here (and stopped again) unless they are already running.
# Environment: BB_BUILD_DIR (default build/).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$BB_REPO_ROOT"

mode=print
case ${1:-} in
"") ;;
--check) mode=check ;;
*) bb_die "usage: scripts/hot_functions.sh [--check]" ;;
esac
list=$BB_REPO_ROOT/apps/bb-publish/hot_functions.txt
bb_publish=${BB_BUILD_DIR:-$(bb_build_dir)}/bin/bb-publish
[[ -x $bb_publish ]] || bb_die "no $bb_publish: build first"
command -v valgrind >/dev/null || bb_die "valgrind is needed (scripts/setup.sh installs it)"

work=$(mktemp -d /tmp/bb-hot-functions.XXXXXX)
cleanup() {
    rm -rf "$work"
    bb_services_release
}
trap cleanup EXIT
bb_services_acquire

# The functions of bb-publish itself that a run on ENVELOPE executes,
# mangled. Hex addresses (no symbol) and the cold parts GCC splits off
# (NAME.cold) are left out: those belong away from the rest.
executed() { # ENVELOPE
    env -u REDIS_URL -u REDIS_HOST RABBIT_URL="amqp://guest:guest@127.0.0.1:$BB_TEST_AMQP_PORT/" \
        EXCHANGE_NAME=amq.topic valgrind --tool=callgrind --demangle=no \
        --callgrind-out-file="$work/callgrind.out" "$bb_publish" --quiet --no-declare \
        --allow-unroutable <<<"$1" >/dev/null 2>"$work/valgrind.err" ||
        bb_die "bb-publish failed under valgrind: $(tail -n 5 "$work/valgrind.err")"
    callgrind_annotate --threshold=100 "$work/callgrind.out" |
        sed -n "s|^ *[0-9,]* ([ 0-9.]*%)  [^ ]*:\([A-Za-z_][A-Za-z0-9_.]*\) \[$bb_publish\]\$|\1|p" |
        { grep -v '\.cold$' || true; }
}
complete='{"event_id":"0b5e3a52-8a4e-4c1c-9d6f-0c3c2f1a7e10","event_type":"hot.functions",'
complete+='"timestamp":"2026-01-01T00:00:00.000000+00:00","version":"1.0.0",'
complete+='"source":{"host":"cron-host","type":"scheduled","app":"nightly"},'
complete+='"correlation_ids":["5d1c9c2e-3f7a-4b8e-a2d4-6e9f8b7c1a23"],"agent_context":null,'
complete+='"payload":{"count":3,"ratio":0.25,"name":"backup","tags":["a","b"],"done":true}}'
{
    executed "$complete"
    executed '{"event_type":"hot.functions","payload":{}}'
} | LC_ALL=C sort -u >"$work/now.txt"
((count = $(wc -l <"$work/now.txt"))) || bb_die "callgrind named no function of $bb_publish"

if [[ $mode == print ]]; then
    cat "$work/now.txt"
    exit 0
fi
missing=$(LC_ALL=C comm -23 "$work/now.txt" <(LC_ALL=C sort -u "$list") | wc -l)
bb_info "$missing of the $count functions a one-event run executes are not in $list"
if ((missing * 10 > count)); then
    bb_die "$list is out of date: scripts/hot_functions.sh > $list"
fi
