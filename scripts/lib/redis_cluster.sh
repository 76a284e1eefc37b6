# shellcheck shell=bash disable=SC2154 # $state, $cluster_port: services.sh
# A Redis Cluster of three masters without replicas, for scripts/services.sh
# (sourced by it: uses its launch, running, stop_recorded, log_tail and say).
# Loopback only, configuration, data and logs under <state>/redis-cluster,
# every process stopped by pid. Ports: $cluster_port (BB_REDIS_CLUSTER_PORT,
# by default BB_REDIS_PORT + 31: 36410) and the two after it; each node's
# cluster bus is its port + 10 (36420-36422 by default), not Redis's usual
# + 10000: the fault tests' and the RabbitMQ cluster's sets start mid-run,
# and their buses must stay below Linux's ephemeral ports as theirs do.

redis_cluster_dir=$state/redis-cluster
redis_cluster_names=(redis-cluster-1 redis-cluster-2 redis-cluster-3)

redis_cluster_port_of() { # name
    printf '%s\n' "$((cluster_port - 1 + ${1#redis-cluster-}))"
}

redis_cluster_url_of() {
    printf 'redis://127.0.0.1:%s,127.0.0.1:%s,127.0.0.1:%s/0' \
        "$(redis_cluster_port_of redis-cluster-1)" "$(redis_cluster_port_of redis-cluster-2)" \
        "$(redis_cluster_port_of redis-cluster-3)"
}

redis_cluster_cli() { # name command...
    local port
    port=$(redis_cluster_port_of "$1")
    shift
    timeout 5 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null
}

# Every node sees all slots served.
redis_cluster_answers() {
    local name
    for name in "${redis_cluster_names[@]}"; do
        [[ $(redis_cluster_cli "$name" cluster info) == *cluster_state:ok* ]] || return 1
    done
}

redis_cluster_running() {
    local name
    for name in "${redis_cluster_names[@]}"; do running "$name" || return 1; done
}

redis_cluster_fail() { # what
    local name
    bb_info "the Redis Cluster did not $1 on 127.0.0.1:$cluster_port-$((cluster_port + 2))"
    for name in "${redis_cluster_names[@]}"; do log_tail "$redis_cluster_dir/$name.log"; done
    return 1
}

start_redis_cluster() {
    stop_redis_cluster # what is left of a cluster that did not start whole
    rm -rf "$redis_cluster_dir"
    mkdir -p "$redis_cluster_dir"
    local name port i seeds=() answering
    for name in "${redis_cluster_names[@]}"; do
        port=$(redis_cluster_port_of "$name")
        seeds+=("127.0.0.1:$port")
        mkdir -p "$redis_cluster_dir/$name"
        started+=("$name")
        # Each node rewrites its own nodes file: one per node.
        launch "$name" "$redis_cluster_dir/$name.log" \
            redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
            --cluster-port "$((port + 10))" --cluster-enabled yes --cluster-config-file "$redis_cluster_dir/$name/nodes.conf" \
            --cluster-node-timeout 5000 --dir "$redis_cluster_dir/$name" --daemonize no
    done
    for ((i = 0; i < 100; i++)); do
        answering=0
        for name in "${redis_cluster_names[@]}"; do
            [[ $(redis_cluster_cli "$name" ping) == PONG ]] && answering=$((answering + 1))
        done
        ((answering == ${#redis_cluster_names[@]})) && break
        redis_cluster_running || break
        sleep 0.1
    done
    ((answering == ${#redis_cluster_names[@]})) || { redis_cluster_fail start; return 1; }
    timeout 30 redis-cli --cluster create "${seeds[@]}" --cluster-replicas 0 --cluster-yes \
        >>"$redis_cluster_dir/create.log" 2>&1 || {
        log_tail "$redis_cluster_dir/create.log"
        redis_cluster_fail "form"
        return 1
    }
    for ((i = 0; i < 300; i++)); do
        redis_cluster_answers && return 0
        redis_cluster_running || break
        sleep 0.1
    done
    redis_cluster_fail "reach cluster_state:ok"
}

stop_redis_cluster() {
    local name
    for name in "${redis_cluster_names[@]}"; do stop_one "$name"; done
}

redis_cluster_status() {
    if redis_cluster_running && redis_cluster_answers; then
        say "rcluster: up   $(redis_cluster_url_of) (Redis Cluster, pids $(pid_of redis-cluster-1)" \
            "$(pid_of redis-cluster-2) $(pid_of redis-cluster-3))"
    else
        say "rcluster: down"
        return 1
    fi
}
