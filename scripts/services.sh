#!/usr/bin/env bash
# Start, stop or inspect a private RabbitMQ node and Redis server for tests and
# the demo: loopback only, non-default ports, all data and logs in one state
# folder, no system service involved. The pid (and start time) of every process
# it starts is recorded there, and `down` stops exactly those, by pid.
#
#   scripts/services.sh up|down|status [--quiet]
#
# Environment: BB_STATE_DIR (default <repo>/build/state), BB_AMQP_PORT (35672),
# BB_AMQPS_PORT (AMQP over TLS, BB_AMQP_PORT - 1: 35671), BB_RABBIT_DIST_PORT
# (35673), BB_EPMD_PORT (35674), BB_REDIS_PORT (36379), BB_REDIS_TLS_PORT
# (Redis over TLS with ACL users, BB_REDIS_PORT + 1: 36380), BB_SERVICES_TIMEOUT (seconds to wait for RabbitMQ to boot, 180). A port is a
# number from 1 to 65535: anything else exits 64 before anything starts.
# BB_KEEP_BROKER_DATA=1 (an `up` that restarts a stopped or killed node keeps
# its queues and messages, for fault tests; by default every `up` starts fresh).
# `up` writes <state>/services.env (export lines) for the tests and tools, and
# a throwaway CA with broker and client certificates into <state>/tls; an
# Erlang crash dump goes to <state>/rabbitmq/log/erl_crash.dump.
# BB_RABBIT_NODE names the node (bb-test@localhost). BB_JOIN_STATE=DIR makes
# the set a RabbitMQ node only, which joins the cluster of the node whose
# state folder is DIR: it uses that set's epmd, Erlang cookie and Redis and
# starts neither of its own (scripts/cluster.sh builds a cluster so).
# Beside the Redis, a Redis master, its replica and three sentinels
# (scripts/lib/redis_sentinel.sh): BB_SENTINEL_PORT (BB_REDIS_PORT + 21: 36400) and the four
# ports after it; services.env names them as BB_TEST_REDIS_SENTINEL_URL.
# And a Redis Cluster of three masters (scripts/lib/redis_cluster.sh):
# BB_REDIS_CLUSTER_PORT (BB_REDIS_PORT + 31: 36410) and the two ports after
# it, their cluster bus 10 above; services.env names its seeds as
# BB_REDIS_CLUSTER_URL.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

readonly RABBIT_BIN=/usr/lib/rabbitmq/bin
readonly NODE=${BB_RABBIT_NODE:-bb-test@localhost}
if [[ ! $NODE =~ ^[A-Za-z0-9_-]+@localhost$ ]]; then
    printf '%s: BB_RABBIT_NODE must be NAME@localhost, not %s\n' "${0##*/}" "$NODE" >&2
    exit 64
fi
# Bind every Erlang distribution socket to loopback, and never let a VM or
# CLI spawn an epmd of its own: ours is started (and stopped) by pid.
readonly ERL_LOOPBACK_ARGS='-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false'

usage() {
    printf 'usage: %s up|down|status [--quiet]\n' "$BB_PROG" >&2
    exit 64
}
help() {
    sed -n '2,22s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
    exit 0
}

quiet=0
command=
for arg in "$@"; do
    case $arg in
    up | down | status)
        [[ -z $command ]] || usage
        command=$arg
        ;;
    --quiet | -q) quiet=1 ;;
    -h | --help) help ;;
    *) usage ;;
    esac
done
[[ -n $command ]] || usage

say() { ((quiet)) || printf '%s\n' "$*"; }
note() { ((quiet)) || bb_info "$@"; }

# A port must be a number from 1 to 65535. Checked before anything starts:
# RabbitMQ given port 70000 dies with a long Erlang error instead.
check_port() { # variable-name value
    if [[ ! $2 =~ ^[0-9]{1,5}$ ]] || ((10#$2 < 1 || 10#$2 > 65535)); then
        bb_info "$1 must be a port number from 1 to 65535, not '$2'"
        exit 64
    fi
}
for var in BB_AMQP_PORT BB_AMQPS_PORT BB_RABBIT_DIST_PORT BB_EPMD_PORT BB_REDIS_PORT \
    BB_REDIS_TLS_PORT; do
    [[ -z ${!var:-} ]] || check_port "$var" "${!var}"
done
if [[ -z ${BB_REDIS_TLS_PORT:-} && -n ${BB_REDIS_PORT:-} ]]; then
    check_port "BB_REDIS_TLS_PORT (default BB_REDIS_PORT + 1)" "$((10#$BB_REDIS_PORT + 1))"
fi
# The sentinel set takes BB_SENTINEL_PORT (default BB_REDIS_PORT + 21) and
# the four ports after it.
if [[ -n ${BB_SENTINEL_PORT:-} ]]; then
    check_port BB_SENTINEL_PORT "$BB_SENTINEL_PORT"
    check_port "BB_SENTINEL_PORT + 4" "$((10#$BB_SENTINEL_PORT + 4))"
elif [[ -n ${BB_REDIS_PORT:-} ]]; then
    check_port "BB_SENTINEL_PORT + 4 (default BB_REDIS_PORT + 25)" "$((10#$BB_REDIS_PORT + 25))"
fi
# The Redis Cluster takes BB_REDIS_CLUSTER_PORT (default BB_REDIS_PORT + 31)
# and the two ports after it, and each of those + 10 for its cluster bus.
if [[ -n ${BB_REDIS_CLUSTER_PORT:-} ]]; then
    check_port BB_REDIS_CLUSTER_PORT "$BB_REDIS_CLUSTER_PORT"
    check_port "BB_REDIS_CLUSTER_PORT + 12 (its cluster bus)" "$((10#$BB_REDIS_CLUSTER_PORT + 12))"
elif [[ -n ${BB_REDIS_PORT:-} ]]; then
    check_port "BB_REDIS_CLUSTER_PORT + 12 (default BB_REDIS_PORT + 43, its cluster bus)" \
        "$((10#$BB_REDIS_PORT + 43))"
fi
# The TLS port defaults to the AMQP port - 1, which must be a port as well.
if [[ -z ${BB_AMQPS_PORT:-} && -n ${BB_AMQP_PORT:-} ]]; then
    check_port "BB_AMQPS_PORT (default BB_AMQP_PORT - 1)" "$((10#$BB_AMQP_PORT - 1))"
fi

mkdir -p "$(bb_state_dir)"
state=$(cd "$(bb_state_dir)" && pwd)
rabbit_dir=$state/rabbitmq
redis_dir=$state/redis
tls_dir=$state/tls
ports_file=$state/ports.env
env_file=$state/services.env
ctl_wrapper=$state/rabbitmqctl

# Ports: those recorded by the `up` that started the running set win over the
# environment, so status and down always look where the servers really are.
amqp_port=${BB_AMQP_PORT:-35672}
amqps_port=${BB_AMQPS_PORT:-}
dist_port=${BB_RABBIT_DIST_PORT:-35673}
epmd_port=${BB_EPMD_PORT:-35674}
redis_port=${BB_REDIS_PORT:-36379}
redis_tls_port=${BB_REDIS_TLS_PORT:-}
sentinel_port=${BB_SENTINEL_PORT:-}
cluster_port=${BB_REDIS_CLUSTER_PORT:-}
join_state=${BB_JOIN_STATE:-}
if [[ -f $ports_file ]]; then
    # shellcheck source=/dev/null
    source "$ports_file"
fi
# TLS next to the AMQP port by default, so that sets run side by side with
# their own AMQP ports need not pick TLS ports too.
amqps_port=${amqps_port:-$((amqp_port - 1))}
redis_tls_port=${redis_tls_port:-$((redis_port + 1))}
# The sentinels beside the Redis port too (36400 for the default 36379), so
# that sets run side by side with their own Redis ports need not pick them.
sentinel_port=${sentinel_port:-$((redis_port + 21))}
# The Redis Cluster's nodes after them, clear of the sentinels (+21 to +25).
cluster_port=${cluster_port:-$((redis_port + 31))}
# shellcheck source-path=SCRIPTDIR source=lib/redis_tls.sh
source "$BB_REPO_ROOT/scripts/lib/redis_tls.sh"
rabbit_url_of() { printf 'amqp://guest:guest@127.0.0.1:%s/' "$amqp_port"; }
rabbit_tls_url_of() { printf 'amqps://guest:guest@127.0.0.1:%s/' "$amqps_port"; }

# --- processes -----------------------------------------------------------------

# A pid file holds "PID START_TIME" (field 22 of /proc/PID/stat): a recycled
# pid or a pid file from an older run never matches, so only processes started
# from this state folder are ever signalled.
proc_stat() { # pid -> fields 3.. of /proc/PID/stat (after "pid (comm) ")
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    printf '%s\n' "${stat##*) }"
}
start_time() {
    local fields
    read -ra fields <<<"$(proc_stat "$1")" || return 1
    [[ ${#fields[@]} -gt 19 && ${fields[0]} != Z ]] || return 1 # a zombie has stopped
    printf '%s\n' "${fields[19]}"
}
parent_pid() {
    local fields
    read -ra fields <<<"$(proc_stat "$1")" || return 1
    printf '%s\n' "${fields[1]}"
}

pid_file_of() {
    case $1 in
    epmd) printf '%s\n' "$state/epmd.pid" ;;
    redis) printf '%s\n' "$redis_dir/redis.pid" ;;
    redis-tls) printf '%s\n' "$redis_tls_dir/redis.pid" ;;
    rabbitmq) printf '%s\n' "$rabbit_dir/vm.pid" ;;                # the Erlang VM
    rabbitmq-launcher) printf '%s\n' "$rabbit_dir/launcher.pid" ;; # its sh wrapper
    sentinel-*) printf '%s\n' "$sentinel_dir/$1.pid" ;;               # redis_sentinel.sh
    redis-cluster-*) printf '%s\n' "$redis_cluster_dir/$1.pid" ;;     # redis_cluster.sh
    esac
}

record_pid() { # name pid
    local started
    started=$(start_time "$2") || started=gone
    printf '%s %s\n' "$2" "$started" >"$(pid_file_of "$1")"
}

pid_of() {
    local file pid _
    file=$(pid_file_of "$1")
    if [[ -f $file ]] && read -r pid _ <"$file"; then printf '%s\n' "$pid"; fi
}

running() {
    local file pid started now
    file=$(pid_file_of "$1")
    [[ -f $file ]] || return 1
    read -r pid started <"$file" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    now=$(start_time "$pid") && [[ $now == "$started" ]]
}

# Run a command detached (own session, stdio to a log, no inherited fds such
# as our lock or a CI runner's pipes) and record its pid. setsid does not fork
# here (a background job is no group leader), so $! is the server's pid.
launch() { # name log command...
    local name=$1 log=$2
    shift 2
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec setsid "$@" </dev/null >>"$log" 2>&1
    ) &
    record_pid "$name" "$!"
}

# Stop one recorded process: SIGTERM, wait up to `grace` seconds, then SIGKILL.
stop_recorded() { # name grace
    local name=$1 grace=$2 pid waited=0
    running "$name" || return 0
    pid=$(pid_of "$name")
    kill -TERM "$pid" 2>/dev/null || return 0
    while running "$name"; do
        if ((waited >= grace * 10)); then
            bb_info "$name (pid $pid) did not stop within ${grace}s: sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.2
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

log_tail() {
    local f
    for f in "$@"; do
        [[ -s $f ]] || continue
        printf -- '--- last lines of %s ---\n' "$f" >&2
        tail -n 30 "$f" >&2
    done
}

# --- health checks -----------------------------------------------------------------

redis_answers() { [[ $(timeout 5 redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null) == PONG ]]; }

# A real AMQP login: connection, channel, publish to amq.topic (unroutable, so
# dropped). rabbitmq-c reads a trailing "/" as the empty vhost, hence no slash.
rabbit_answers() {
    timeout 5 amqp-publish --url="amqp://guest:guest@127.0.0.1:$amqp_port" \
        --exchange=amq.topic --routing-key=bb.services.probe --body=probe >/dev/null 2>&1
}

epmd_answers() { timeout 5 epmd -port "$epmd_port" -names >/dev/null 2>&1; }

# A TLS handshake with the AMQPS listener that verifies its certificate.
rabbit_tls_answers() {
    timeout 5 openssl s_client -connect "127.0.0.1:$amqps_port" -CAfile "$tls_dir/ca.crt" \
        -verify_return_error -brief </dev/null >/dev/null 2>&1
}

# shellcheck source-path=SCRIPTDIR source=lib/redis_sentinel.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/redis_sentinel.sh"
# shellcheck source-path=SCRIPTDIR source=lib/redis_cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/redis_cluster.sh"

# --- up --------------------------------------------------------------------------

# An `up` that fails or is interrupted stops what it started.
started=()
cleanup_failed_up() {
    local name
    for name in "${started[@]}"; do stop_one "$name"; done
}

start_redis() {
    mkdir -p "$redis_dir"
    rm -f "$redis_dir/redis.log"
    started+=(redis)
    launch redis "$redis_dir/redis.log" \
        redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
        --dir "$redis_dir" --daemonize no
    local i
    for ((i = 0; i < 100; i++)); do
        redis_answers && return 0
        running redis || break
        sleep 0.1
    done
    bb_info "redis-server did not start on 127.0.0.1:$redis_port"
    log_tail "$redis_dir/redis.log"
    return 1
}

start_epmd() {
    rm -f "$state/epmd.log"
    started+=(epmd)
    launch epmd "$state/epmd.log" epmd -address 127.0.0.1 -port "$epmd_port"
    local i
    for ((i = 0; i < 50; i++)); do
        epmd_answers && return 0
        running epmd || break
        sleep 0.1
    done
    bb_info "epmd did not start on 127.0.0.1:$epmd_port"
    log_tail "$state/epmd.log"
    return 1
}

# The environment both the node and rabbitmqctl need: our HOME (Erlang
# cookie), our epmd, our config files instead of those in /etc/rabbitmq.
rabbit_common_env() {
    printf '%s\n' \
        "HOME=$rabbit_dir/home" \
        "ERL_EPMD_ADDRESS=127.0.0.1" \
        "ERL_EPMD_PORT=$epmd_port" \
        "RABBITMQ_NODENAME=$NODE" \
        "RABBITMQ_CONF_ENV_FILE=$rabbit_dir/rabbitmq-env.conf" \
        "RABBITMQ_CONFIG_FILE=$rabbit_dir/rabbitmq.conf" \
        "RABBITMQ_ADVANCED_CONFIG_FILE=$rabbit_dir/advanced.config" \
        "RABBITMQ_ENABLED_PLUGINS_FILE=$rabbit_dir/enabled_plugins" \
        "RABBITMQ_MNESIA_BASE=$rabbit_dir/mnesia" \
        "RABBITMQ_LOG_BASE=$rabbit_dir/log" \
        "ERL_CRASH_DUMP=$rabbit_dir/log/erl_crash.dump"
}

# A throwaway PKI for the AMQPS listener and the TLS tests: a CA, the broker's
# certificate from it, valid for the IP address 127.0.0.1 only (so that
# amqps://localhost fails the host name check), a client certificate from the
# same CA, and a second CA with a client certificate the broker does not trust.
# EC keys, which take no time to make.
write_tls_files() {
    rm -rf "$tls_dir"
    mkdir -p "$tls_dir"
    local log=$tls_dir/openssl.log
    # errexit does not apply left of `||`: the last step checks the results.
    (
        cd "$tls_dir"
        umask 077
        key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
        ca() { # name common-name
            openssl req -x509 "${key[@]}" -keyout "$1.key" -out "$1.crt" -days 365 \
                -subj "/CN=$2" -addext basicConstraints=critical,CA:TRUE \
                -addext keyUsage=critical,keyCertSign,cRLSign
        }
        leaf() { # name common-name ca extensions
            openssl req -new "${key[@]}" -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
            openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -days 365 \
                -set_serial "0x$(openssl rand -hex 8)" -out "$1.crt" -extfile <(printf '%s\n' "$4")
            rm -f "$1.csr"
        }
        ca ca 'bloodbank test CA'
        leaf server 'bloodbank test broker' ca \
            $'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'
        leaf client 'bloodbank test client' ca 'extendedKeyUsage=clientAuth'
        ca untrusted-ca 'bloodbank untrusted test CA'
        leaf untrusted-client 'bloodbank untrusted test client' untrusted-ca \
            'extendedKeyUsage=clientAuth'
        openssl verify -CAfile ca.crt server.crt client.crt &&
            openssl verify -CAfile untrusted-ca.crt untrusted-client.crt
    ) >"$log" 2>&1 || {
        bb_info "could not make the TLS certificates in $tls_dir"
        log_tail "$log"
        return 1
    }
}

write_rabbit_files() {
    mkdir -p "$rabbit_dir/home" "$rabbit_dir/log"
    # A fresh broker each time: no queues or messages left from an earlier run.
    if [[ ${BB_KEEP_BROKER_DATA:-0} != 1 ]]; then
        rm -rf "$rabbit_dir/mnesia"
        rm -f "$rabbit_dir/log"/*.log
    fi
    rm -f "$rabbit_dir/launcher.log" "$rabbit_dir/rabbitmq.pid"
    printf '# Written by scripts/services.sh: nothing beyond the environment.\n' \
        >"$rabbit_dir/rabbitmq-env.conf"
    write_tls_files
    # TLS listener: the broker asks for a client certificate and checks it
    # against the CA, but lets clients without one in (password login).
    printf '%s\n' '# Written by scripts/services.sh: a throwaway node on loopback.' \
        'loopback_users.guest = true' \
        "listeners.ssl.default = 127.0.0.1:$amqps_port" \
        "ssl_options.cacertfile = $tls_dir/ca.crt" \
        "ssl_options.certfile = $tls_dir/server.crt" \
        "ssl_options.keyfile = $tls_dir/server.key" \
        'ssl_options.verify = verify_peer' \
        'ssl_options.fail_if_no_peer_cert = false' >"$rabbit_dir/rabbitmq.conf"
    if [[ -n $join_state ]]; then
        # Peer discovery joins the other node on the first boot; a node
        # started again with its data is a member already.
        printf '%s\n' 'cluster_formation.peer_discovery_backend = classic_config' \
            "cluster_formation.classic_config.nodes.1 = $(joined_setting node)" \
            >>"$rabbit_dir/rabbitmq.conf"
    fi
    printf '[].\n' >"$rabbit_dir/enabled_plugins"

    # rabbitmqctl for this node, for people and fault tests (stop_app, ...).
    # Its own distribution port is an ephemeral one on loopback.
    {
        printf '#!/bin/sh\n# Written by scripts/services.sh: rabbitmqctl for %s in %s.\n' "$NODE" "$state"
        local line
        while IFS= read -r line; do printf 'export %q\n' "$line"; done < <(rabbit_common_env)
        printf 'export %q\n' "RABBITMQ_CTL_ERL_ARGS=$ERL_LOOPBACK_ARGS" \
            RABBITMQ_CTL_DIST_PORT_MIN=0 RABBITMQ_CTL_DIST_PORT_MAX=0
        printf 'exec %q -n %q "$@"\n' "$RABBIT_BIN/rabbitmqctl" "$NODE"
    } >"$ctl_wrapper"
    chmod +x "$ctl_wrapper"
}

# The VM writes its own pid file; take it only from a child of our launcher.
record_vm_pid() {
    [[ -f $rabbit_dir/rabbitmq.pid ]] || return 1
    local pid
    pid=$(cat "$rabbit_dir/rabbitmq.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ && $(parent_pid "$pid") == "$(pid_of rabbitmq-launcher)" ]] || return 1
    record_pid rabbitmq "$pid"
}

start_rabbit() {
    write_rabbit_files
    local env_args=()
    mapfile -t env_args < <(rabbit_common_env)
    env_args+=(
        "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1"
        "RABBITMQ_NODE_PORT=$amqp_port"
        "RABBITMQ_DIST_PORT=$dist_port"
        "RABBITMQ_PID_FILE=$rabbit_dir/rabbitmq.pid"
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=$ERL_LOOPBACK_ARGS"
    )
    started+=(rabbitmq)
    launch rabbitmq-launcher "$rabbit_dir/launcher.log" \
        env "${env_args[@]}" "$RABBIT_BIN/rabbitmq-server"

    # The VM writes its pid file early in the boot: record it as soon as it
    # appears, so that a failed boot can stop the VM even without its launcher.
    local timeout=${BB_SERVICES_TIMEOUT:-180}
    local deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        running rabbitmq || record_vm_pid || true
        if ! running rabbitmq-launcher; then
            bb_info "rabbitmq-server exited during boot"
            log_tail "$rabbit_dir/launcher.log" "$rabbit_dir/log/$NODE.log"
            return 1
        fi
        if running rabbitmq && rabbit_answers && rabbit_tls_answers; then return 0; fi
        sleep 0.5
    done
    bb_info "RabbitMQ did not answer on 127.0.0.1:$amqp_port (and TLS on $amqps_port) within ${timeout}s"
    log_tail "$rabbit_dir/launcher.log" "$rabbit_dir/log/$NODE.log"
    return 1
}

write_env_file() {
    local url
    url=$(rabbit_url_of)
    {
        printf '# Written by scripts/services.sh up; source it to use the private services.\n'
        printf 'export %q\n' \
            "RABBIT_URL=$url" \
            "REDIS_HOST=127.0.0.1" \
            "REDIS_PORT=$redis_port" \
            "BB_TEST_RABBIT_URL=$url" \
            "BB_TEST_AMQP_HOST=127.0.0.1" \
            "BB_TEST_AMQP_PORT=$amqp_port" \
            "BB_TEST_AMQPS_PORT=$amqps_port" \
            "BB_TEST_RABBIT_TLS_URL=$(rabbit_tls_url_of)" \
            "BB_TEST_CA_FILE=$tls_dir/ca.crt" \
            "BB_TEST_CLIENT_CERT=$tls_dir/client.crt" \
            "BB_TEST_CLIENT_KEY=$tls_dir/client.key" \
            "BB_TEST_UNTRUSTED_CA_FILE=$tls_dir/untrusted-ca.crt" \
            "BB_TEST_UNTRUSTED_CLIENT_CERT=$tls_dir/untrusted-client.crt" \
            "BB_TEST_UNTRUSTED_CLIENT_KEY=$tls_dir/untrusted-client.key" \
            "BB_TEST_REDIS_HOST=127.0.0.1" \
            "BB_TEST_REDIS_PORT=$redis_port" \
            "BB_TEST_REDIS_SENTINEL_URL=$(sentinel_url_of)" \
            "BB_TEST_REDIS_SENTINEL_MASTER_PORT=$(sentinel_port_of sentinel-master)" \
            "BB_TEST_REDIS_SENTINEL_REPLICA_PORT=$(sentinel_port_of sentinel-replica)" \
            "BB_REDIS_CLUSTER_URL=$(redis_cluster_url_of)" \
            "BB_STATE_DIR=$state" \
            "BB_RABBIT_NODE=$NODE" \
            "BB_RABBIT_PID=$(pid_of rabbitmq)" \
            "BB_RABBIT_DIST_PORT=$dist_port" \
            "BB_RABBITMQCTL=$ctl_wrapper" \
            "BB_RABBIT_LOG=$rabbit_dir/log/$NODE.log" \
            "BB_EPMD_PORT=$epmd_port" \
            "BB_EPMD_PID=$(pid_of epmd)" \
            "BB_REDIS_PID=$(pid_of redis)"
        if [[ -z $join_state ]]; then
            local line
            while IFS= read -r line; do printf 'export %q\n' "$line"; done < <(redis_tls_env_lines)
        fi
    } >"$env_file.tmp"
    mv "$env_file.tmp" "$env_file"
}

print_urls() {
    say "rabbitmq: $(rabbit_url_of) (node $NODE, pid $(pid_of rabbitmq))"
    say "          $(rabbit_tls_url_of) (CA $tls_dir/ca.crt)"
    say "redis:    redis://127.0.0.1:$redis_port (pid $(pid_of redis))"
    [[ -n $join_state ]] || say "          rediss://127.0.0.1:$redis_tls_port (ACL users, CA $tls_dir/ca.crt, pid $(pid_of redis-tls))"
    [[ -n $join_state ]] || say "sentinel: $(sentinel_url_of)"
    [[ -n $join_state ]] || say "rcluster: $(redis_cluster_url_of) (Redis Cluster)"
    say "env:      source $env_file"
}

# --- joining a cluster -------------------------------------------------------------

# A setting of the set in $join_state, as its `up` recorded it.
joined_setting() { # name
    (
        # shellcheck source=/dev/null
        source "$join_state/ports.env" && printf '%s\n' "${!1}"
    )
}

# The joining node takes the cookie of the node it joins: Erlang nodes only
# talk to nodes with the same one.
copy_join_cookie() {
    local cookie=$join_state/rabbitmq/home/.erlang.cookie
    [[ -f $cookie ]] || bb_die "no Erlang cookie in $join_state: is its node up?"
    mkdir -p "$rabbit_dir/home"
    install -m 400 "$cookie" "$rabbit_dir/home/.erlang.cookie"
}

take_lock() {
    # One up/down at a time per state folder; launch() keeps fd 9 from the servers.
    exec 9>"$state/lock"
    flock -w 300 9 || bb_die "another services.sh holds $state/lock"
}

cmd_up() {
    take_lock
    if running rabbitmq &&
        { [[ -n $join_state ]] || { running redis && running epmd && running redis-tls; }; }; then
        note "already running from $state"
        # A set started before the sentinels were part of it gets them now.
        [[ -n $join_state ]] || sentinel_running || start_sentinel_set
        [[ -n $join_state ]] || redis_cluster_running || start_redis_cluster
        rabbit_tls_answers || bb_info "warning: no TLS listener of this node answers on" \
            "127.0.0.1:$amqps_port (started by an older services.sh?): run down, then up"
        write_env_file
        print_urls
        return 0
    fi
    # Nothing of ours is running: the ports come from the environment now and
    # are recorded for later status/down calls.
    if ! running rabbitmq-launcher && ! running redis && ! running epmd && ! running redis-tls; then
        amqp_port=${BB_AMQP_PORT:-35672}
        amqps_port=${BB_AMQPS_PORT:-$((amqp_port - 1))}
        dist_port=${BB_RABBIT_DIST_PORT:-35673}
        epmd_port=${BB_EPMD_PORT:-35674}
        redis_port=${BB_REDIS_PORT:-36379}
        redis_tls_port=${BB_REDIS_TLS_PORT:-$((redis_port + 1))}
        sentinel_port=${BB_SENTINEL_PORT:-$((redis_port + 21))}
        cluster_port=${BB_REDIS_CLUSTER_PORT:-$((redis_port + 31))}
        join_state=${BB_JOIN_STATE:-}
        if [[ -n $join_state ]]; then
            join_state=$(cd "$join_state" && pwd) || bb_die "BB_JOIN_STATE: no folder $BB_JOIN_STATE"
            epmd_port=$(joined_setting epmd_port)
            redis_port=$(joined_setting redis_port)
            [[ -n $epmd_port ]] || bb_die "BB_JOIN_STATE: no set is up in $join_state"
        fi
        printf '%s\n' "amqp_port=$amqp_port" "amqps_port=$amqps_port" "dist_port=$dist_port" \
            "epmd_port=$epmd_port" "redis_port=$redis_port" "redis_tls_port=$redis_tls_port" \
            "node=$NODE" \
            "join_state=$join_state" >"$ports_file"
        printf '%s\n' "sentinel_port=$sentinel_port" "cluster_port=$cluster_port" >>"$ports_file"
    fi
    local entry busy=()
    local own=("rabbitmq-launcher:$amqp_port" "rabbitmq-launcher:$amqps_port"
        "rabbitmq-launcher:$dist_port")
    [[ -n $join_state ]] || own+=("redis:$redis_port" "epmd:$epmd_port" "redis-tls:$redis_tls_port")
    if [[ -z $join_state ]]; then
        for entry in "${sentinel_names[@]}"; do own+=("$entry:$(sentinel_port_of "$entry")"); done
        for entry in "${redis_cluster_names[@]}"; do
            own+=("$entry:$(redis_cluster_port_of "$entry")")
            own+=("$entry:$(($(redis_cluster_port_of "$entry") + 10))")
        done
    fi
    for entry in "${own[@]}"; do
        if ! running "${entry%%:*}" && port_in_use "${entry#*:}"; then busy+=("${entry#*:}"); fi
    done
    if ((${#busy[@]})); then
        bb_die "127.0.0.1 port(s) ${busy[*]} already in use by someone else;" \
            "pick others with BB_AMQP_PORT, BB_AMQPS_PORT, BB_RABBIT_DIST_PORT, BB_EPMD_PORT," \
            "BB_REDIS_PORT, BB_REDIS_TLS_PORT, BB_SENTINEL_PORT, BB_REDIS_CLUSTER_PORT"
    fi

    trap cleanup_failed_up EXIT
    trap 'exit 130' INT TERM
    local t0=$SECONDS
    if [[ -z $join_state ]]; then
        running redis || start_redis
        running epmd || start_epmd
        sentinel_running || start_sentinel_set
        redis_cluster_running || start_redis_cluster
    fi
    local tls_rewritten=0
    if ! running rabbitmq-launcher; then
        note "starting RabbitMQ node $NODE on 127.0.0.1:$amqp_port (10-20 s)"
        [[ -z $join_state ]] || copy_join_cookie
        start_rabbit
        tls_rewritten=1
    fi
    # After the broker, which makes the certificates: a new CA means a restart.
    if [[ -z $join_state ]] && { ((tls_rewritten)) || ! running redis-tls; }; then
        stop_one redis-tls
        start_redis_tls
    fi
    trap - EXIT INT TERM
    write_env_file
    note "services up in $((SECONDS - t0)) s (state in $state)"
    print_urls
}

# --- down / status ---------------------------------------------------------------

stop_one() {
    case $1 in
    rabbitmq)
        # SIGTERM shuts the VM down cleanly (~7 s); its launcher then exits.
        # Without a VM pid (boot failed early) the launcher forwards SIGTERM.
        stop_recorded rabbitmq 60
        stop_recorded rabbitmq-launcher 60
        rm -f "$(pid_file_of rabbitmq)" "$(pid_file_of rabbitmq-launcher)" "$rabbit_dir/rabbitmq.pid"
        ;;
    redis | epmd | redis-tls | sentinel-* | redis-cluster-*)
        stop_recorded "$1" 10
        rm -f "$(pid_file_of "$1")"
        ;;
    esac
}

cmd_down() {
    take_lock
    local name any_sentinel=0
    for name in "${sentinel_names[@]}" "${redis_cluster_names[@]}"; do
        running "$name" && any_sentinel=1
    done
    if running rabbitmq-launcher || running rabbitmq || running redis || running epmd ||
        running redis-tls || ((any_sentinel)); then
        note "stopping the services started from $state"
    else
        note "not running (state $state)"
    fi
    # The node first: it stays registered with epmd until it stops.
    stop_one rabbitmq
    stop_one epmd
    stop_one redis
    stop_one redis-tls
    stop_sentinel_set
    stop_redis_cluster
    rm -f "$env_file" "$ports_file"
}

cmd_status() {
    local ok=0
    if running rabbitmq && rabbit_answers; then
        say "rabbitmq: up   $(rabbit_url_of) (node $NODE, pid $(pid_of rabbitmq))"
    elif running rabbitmq-launcher; then
        say "rabbitmq: not answering on 127.0.0.1:$amqp_port (launcher pid $(pid_of rabbitmq-launcher))"
        ok=1
    else
        say "rabbitmq: down"
        ok=1
    fi
    if running rabbitmq && rabbit_tls_answers; then
        say "amqps:    up   $(rabbit_tls_url_of) (CA $tls_dir/ca.crt)"
    else
        say "amqps:    down"
        ok=1
    fi
    if [[ -n $join_state ]]; then
        say "cluster:  joined to the node of $join_state (its epmd and Redis)"
        return "$ok"
    fi
    if running epmd && epmd_answers; then
        say "epmd:     up   127.0.0.1:$epmd_port (pid $(pid_of epmd))"
    else
        say "epmd:     down"
        ok=1
    fi
    if running redis && redis_answers; then
        say "redis:    up   redis://127.0.0.1:$redis_port (pid $(pid_of redis))"
    else
        say "redis:    down"
        ok=1
    fi
    redis_tls_status || ok=1
    sentinel_status || ok=1
    redis_cluster_status || ok=1
    return "$ok"
}

case $command in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
esac
