#!/usr/bin/env bash
# Start, stop or inspect a three-node RabbitMQ cluster on loopback for the
# cluster tests: three scripts/services.sh sets in one state folder, nodes
# bb-c1, bb-c2 and bb-c3@localhost. The first set also runs the epmd and the
# Redis the others use; the second and third join its node
# (BB_JOIN_STATE). Every process is started, recorded and stopped by
# services.sh, by pid.
#
#   scripts/cluster.sh up|down|status [--quiet]
#
# Environment: BB_CLUSTER_STATE_DIR (default <repo>/build/cluster-state),
# BB_CLUSTER_PORT (29672): node N's AMQP port is BB_CLUSTER_PORT + 10 (N - 1),
# its AMQP-over-TLS port one below, its distribution port one above; the
# epmd listens on BB_CLUSTER_PORT + 2, Redis on BB_CLUSTER_PORT + 3. `up`
# starts whatever node is not running (a node started again while others run
# keeps its data, so it comes back as a member) and writes
# <state>/cluster.env: BB_TEST_CLUSTER_URLS (the three amqp:// URLs, comma
# separated), BB_TEST_CLUSTER_STATE (the folder; node N's set is in nodeN/)
# and the Redis address.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    printf 'usage: %s up|down|status [--quiet]\n' "$BB_PROG" >&2
    exit 64
}
quiet=()
command=
for arg in "$@"; do
    case $arg in
    up | down | status)
        [[ -z $command ]] || usage
        command=$arg
        ;;
    --quiet | -q) quiet=(--quiet) ;;
    -h | --help)
        sed -n '2,20s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    *) usage ;;
    esac
done
[[ -n $command ]] || usage

base=${BB_CLUSTER_PORT:-29672}
if [[ ! $base =~ ^[0-9]{4,5}$ ]] || ((10#$base < 1025 || 10#$base > 65500)); then
    bb_die "BB_CLUSTER_PORT must be a port number from 1025 to 65500, not '$base'"
fi
state=${BB_CLUSTER_STATE_DIR:-$BB_REPO_ROOT/build/cluster-state}
mkdir -p "$state"
state=$(cd "$state" && pwd)
services=$BB_REPO_ROOT/scripts/services.sh
nodes=(1 2 3)

amqp_port_of() { printf '%s\n' $((base + 10 * ($1 - 1))); }

# services.sh for node N, with the environment of that node's set only.
node_services() { # N command...
    local n=$1 amqp
    shift
    amqp=$(amqp_port_of "$n")
    local env_args=(
        "BB_STATE_DIR=$state/node$n"
        "BB_RABBIT_NODE=bb-c$n@localhost"
        "BB_AMQP_PORT=$amqp"
        "BB_AMQPS_PORT=$((amqp - 1))"
        "BB_RABBIT_DIST_PORT=$((amqp + 1))"
        "BB_EPMD_PORT=$((base + 2))"
        "BB_REDIS_PORT=$((base + 3))"
    )
    ((n == 1)) || env_args+=("BB_JOIN_STATE=$state/node1")
    env -u BB_JOIN_STATE -u BB_KEEP_BROKER_DATA "${env_args[@]}" \
        BB_KEEP_BROKER_DATA="${keep_data:-0}" "$services" "$@"
}

node_running() { node_services "$1" status --quiet >/dev/null 2>&1; }

write_env_file() {
    local urls=() n
    for n in "${nodes[@]}"; do urls+=("amqp://guest:guest@127.0.0.1:$(amqp_port_of "$n")/"); done
    local IFS=,
    {
        printf '# Written by scripts/cluster.sh up; source it to use the cluster.\n'
        printf 'export %q\n' \
            "BB_TEST_CLUSTER_URLS=${urls[*]}" \
            "BB_TEST_CLUSTER_STATE=$state" \
            "BB_TEST_CLUSTER_REDIS_PORT=$((base + 3))"
    } >"$state/cluster.env.tmp"
    mv "$state/cluster.env.tmp" "$state/cluster.env"
}

cmd_up() {
    # A node started again while another runs must come back with its data:
    # started empty, it would form a cluster of its own.
    local n keep_data=0
    for n in "${nodes[@]}"; do
        if node_running "$n"; then keep_data=1; fi
    done
    for n in "${nodes[@]}"; do
        node_running "$n" || node_services "$n" up "${quiet[@]}"
    done
    local members
    members=$("$state/node1/rabbitmqctl" cluster_status --formatter json 2>/dev/null |
        grep -o '"running_nodes":\[[^]]*\]' || true)
    for n in "${nodes[@]}"; do
        [[ $members == *"\"bb-c$n@localhost\""* ]] ||
            bb_die "node bb-c$n@localhost is not a running member of the cluster (${members:-none})"
    done
    write_env_file
    ((${#quiet[@]})) || printf 'cluster:  3 nodes running; env: source %s\n' "$state/cluster.env"
}

cmd_down() {
    local n
    for n in 3 2 1; do node_services "$n" down "${quiet[@]}"; done
    rm -f "$state/cluster.env"
}

cmd_status() {
    local n status=0
    for n in "${nodes[@]}"; do
        ((${#quiet[@]})) || printf -- '-- node bb-c%s@localhost\n' "$n"
        node_services "$n" status "${quiet[@]}" || status=1
    done
    return "$status"
}

case $command in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
esac
