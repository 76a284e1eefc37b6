# shellcheck shell=bash disable=SC2154 # $state, $sentinel_port: services.sh
# A Redis master, its replica and three sentinels watching it as "bloodbank",
# for scripts/services.sh (sourced by it: uses its launch, running, stop_one,
# log_tail and say). Loopback only, data and logs under <state>/sentinel,
# every process stopped by pid. Ports: the master on $sentinel_port
# (BB_SENTINEL_PORT, by default BB_REDIS_PORT + 21: 36400), the replica on
# the next one, the sentinels on the three after that. A quorum of two and a master down after one second, so a
# fault test sees a failover in a few seconds.

readonly SENTINEL_MASTER_NAME=bloodbank
sentinel_dir=$state/sentinel
sentinel_names=(sentinel-1 sentinel-2 sentinel-3 sentinel-replica sentinel-master)

sentinel_port_of() { # name
    case $1 in
    sentinel-master) printf '%s\n' "$sentinel_port" ;;
    sentinel-replica) printf '%s\n' "$((sentinel_port + 1))" ;;
    sentinel-[123]) printf '%s\n' "$((sentinel_port + 1 + ${1#sentinel-}))" ;;
    esac
}

sentinel_url_of() {
    printf 'redis-sentinel://127.0.0.1:%s,127.0.0.1:%s,127.0.0.1:%s/0#%s' \
        "$(sentinel_port_of sentinel-1)" "$(sentinel_port_of sentinel-2)" \
        "$(sentinel_port_of sentinel-3)" "$SENTINEL_MASTER_NAME"
}

sentinel_cli() { # name command...
    local port
    port=$(sentinel_port_of "$1")
    shift
    timeout 5 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null
}

# Every sentinel names a master, and that master has a replica in sync.
sentinel_set_answers() {
    local name master
    for name in sentinel-1 sentinel-2 sentinel-3; do
        master=$(sentinel_cli "$name" sentinel get-master-addr-by-name "$SENTINEL_MASTER_NAME" |
            tail -n 1)
        [[ -n $master ]] || return 1
    done
    [[ $(sentinel_cli sentinel-replica info replication) == *master_link_status:up* ]]
}

sentinel_running() {
    local name
    for name in "${sentinel_names[@]}"; do running "$name" || return 1; done
}

start_sentinel_server() { # name extra-args...
    local name=$1
    shift
    mkdir -p "$sentinel_dir/$name"
    started+=("$name")
    launch "$name" "$sentinel_dir/$name.log" \
        redis-server --bind 127.0.0.1 --port "$(sentinel_port_of "$name")" --save "" \
        --appendonly no --dir "$sentinel_dir/$name" --daemonize no "$@"
}

start_sentinel_set() {
    stop_sentinel_set # what is left of a set that did not start whole
    rm -rf "$sentinel_dir"
    mkdir -p "$sentinel_dir"
    start_sentinel_server sentinel-master
    start_sentinel_server sentinel-replica --replicaof 127.0.0.1 "$sentinel_port"
    local name conf i
    for name in sentinel-1 sentinel-2 sentinel-3; do
        # A sentinel rewrites its configuration file: each has its own.
        conf=$sentinel_dir/$name.conf
        printf '%s\n' \
            "bind 127.0.0.1" \
            "port $(sentinel_port_of "$name")" \
            "dir $sentinel_dir" \
            "sentinel monitor $SENTINEL_MASTER_NAME 127.0.0.1 $sentinel_port 2" \
            "sentinel down-after-milliseconds $SENTINEL_MASTER_NAME 1000" \
            "sentinel failover-timeout $SENTINEL_MASTER_NAME 10000" >"$conf"
        started+=("$name")
        launch "$name" "$sentinel_dir/$name.log" redis-server "$conf" --sentinel --daemonize no
    done
    for ((i = 0; i < 150; i++)); do
        sentinel_set_answers && return 0
        sentinel_running || break
        sleep 0.1
    done
    bb_info "the Redis Sentinel set did not start on 127.0.0.1:$sentinel_port-$((sentinel_port + 4))"
    for name in "${sentinel_names[@]}"; do log_tail "$sentinel_dir/$name.log"; done
    return 1
}

stop_sentinel_set() {
    local name
    for name in "${sentinel_names[@]}"; do stop_one "$name"; done
}

sentinel_status() {
    if sentinel_running && sentinel_set_answers; then
        say "sentinel: up   $(sentinel_url_of) (master pid $(pid_of sentinel-master))"
    else
        say "sentinel: down"
        return 1
    fi
}
