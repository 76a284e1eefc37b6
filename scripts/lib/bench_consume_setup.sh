# shellcheck shell=bash disable=SC2154,SC2034 # build_dir and bench_dir come from the bench, which uses what is set here
# The set-up scripts/bench/consume.sh and replay.sh share (sourced after
# common.sh, with build_dir and bench_dir set): GNU time checked, bb-consume
# built, a work folder, the rabbitmq-c baselines compiled, the services
# acquired, and at exit the bench's exchange and queue deleted, the folder
# removed and the services released.
#
#   bench_consume_setup NAME QUEUE_SUFFIX [PROGRAM...]
#
# Sets bb_consume, work, exchange (bench.NAME.PID), queue
# (bench.NAME.PID.QUEUE_SUFFIX) and port (the broker's AMQP port); compiles
# publish_baseline, consume_baseline and each PROGRAM from scripts/bench/.

bench_consume_cleanup() {
    if [[ -n ${BB_TEST_AMQP_PORT:-} && -x $work/publish_baseline ]]; then
        "$work/publish_baseline" delete 127.0.0.1 "$BB_TEST_AMQP_PORT" "$exchange" "$queue" ||
            true
    fi
    rm -rf "$work"
    bb_services_release
}

bench_consume_setup() {
    local name=$1 suffix=$2 program
    shift 2
    [[ -x /usr/bin/time ]] || bb_die "needs GNU time in /usr/bin/time (scripts/setup.sh installs it)"
    bb_configure "$build_dir" >/dev/null
    bb_build "$build_dir" --target bb-consume >/dev/null
    bb_consume=$build_dir/bin/bb-consume
    work=$(mktemp -d "/tmp/bb-bench-$name.XXXXXX")
    exchange=bench.$name.$$
    queue=bench.$name.$$.$suffix
    trap bench_consume_cleanup EXIT
    for program in publish_baseline consume_baseline "$@"; do
        cc -O2 -o "$work/$program" "$bench_dir/$program.c" -lrabbitmq
    done
    bb_services_acquire
    port=$BB_TEST_AMQP_PORT
}
