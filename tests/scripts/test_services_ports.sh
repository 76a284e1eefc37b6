#!/usr/bin/env bash
# scripts/services.sh refuses a port that is not a number from 1 to 65535
# with exit 64 and a message naming the variable, before it starts anything
# or even creates its state folder. Every case here is refused, so no server
# is ever started.
set -euo pipefail
# The defaults derived from other ports are tested too: ports chosen around
# this test (scripts/test.sh run with BB_AMQP_PORT=... and the like) must not
# stand in for them.
unset BB_AMQP_PORT BB_AMQPS_PORT BB_RABBIT_DIST_PORT BB_EPMD_PORT BB_REDIS_PORT \
    BB_REDIS_TLS_PORT BB_SENTINEL_PORT BB_REDIS_CLUSTER_PORT
services=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0
expect_refused() { # variable value [expected name in the message]
    local var=$1 value=$2 name=${3:-$1} state=$work/state status=0
    env BB_STATE_DIR="$state" "$var=$value" "$services" up --quiet \
        >"$work/out" 2>"$work/err" </dev/null || status=$?
    if ((status != 64)); then
        echo "$var=$value: exit $status, expected 64; stderr: $(cat "$work/err")" >&2
        failures=$((failures + 1))
    elif ! grep -qF "$name must be a port number from 1 to 65535, not '" "$work/err"; then
        echo "$var=$value: stderr does not name the bad port: $(cat "$work/err")" >&2
        failures=$((failures + 1))
    fi
    if [[ -e $state ]]; then
        echo "$var=$value: the state folder was created, so something ran" >&2
        failures=$((failures + 1))
        # Stop, by the pids recorded there, whatever that run started.
        BB_STATE_DIR=$state "$services" down --quiet </dev/null || true
        rm -rf "$state"
    fi
}

for var in BB_AMQP_PORT BB_AMQPS_PORT BB_RABBIT_DIST_PORT BB_EPMD_PORT BB_REDIS_PORT \
    BB_REDIS_TLS_PORT BB_REDIS_CLUSTER_PORT; do
    for value in 65536 70000 0 -1 abc 5672x ' 5672' 1e3 99999999999999999999; do
        expect_refused "$var" "$value"
    done
done
# The TLS port defaults to the AMQP port minus one: AMQP port 1 leaves none.
expect_refused BB_AMQP_PORT 1 'BB_AMQPS_PORT (default BB_AMQP_PORT - 1)'
# The TLS Redis's port defaults to the Redis port plus one: 65535 leaves none.
expect_refused BB_REDIS_PORT 65535 'BB_REDIS_TLS_PORT (default BB_REDIS_PORT + 1)'
# The sentinels take the Redis port plus 21 to 25 by default.
expect_refused BB_REDIS_PORT 65520 'BB_SENTINEL_PORT + 4 (default BB_REDIS_PORT + 25)'
# The Redis Cluster's nodes take the Redis port plus 31 to 33 by default,
# and their cluster bus 10 above those, which must be ports too.
expect_refused BB_REDIS_PORT 65500 \
    'BB_REDIS_CLUSTER_PORT + 12 (default BB_REDIS_PORT + 43, its cluster bus)'
expect_refused BB_REDIS_CLUSTER_PORT 65530 'BB_REDIS_CLUSTER_PORT + 12 (its cluster bus)'

if ((failures)); then
    echo "$failures case(s) failed" >&2
    exit 1
fi
echo "every bad port refused with exit 64 before anything started"
