# shellcheck shell=bash disable=SC2154 # $state, $tls_dir, $redis_tls_port: services.sh
# The TLS Redis of scripts/services.sh: a second redis-server on loopback that
# speaks only TLS (certificates from the throwaway CA in <state>/tls) and lets
# in only ACL users, as managed Redis offerings do:
#
#   bloodbank    every command, keys bloodbank:* only (what tracking, bb-trace
#                and bb-consume need)
#   bb-outsider  every command, keys outsider:* only (for NOPERM tests)
#
# The default user is off, so a client that does not log in gets NOAUTH.
# Client certificates are optional (mutual TLS can be tested, password logins
# work without one). Passwords are fresh on every start, kept in a file of
# mode 600 in the state folder and in services.env. Sourced by services.sh,
# whose launch/running/stop_recorded helpers and $state, $tls_dir it uses.

redis_tls_dir=$state/redis-tls
redis_tls_users=$redis_tls_dir/users.env

redis_tls_url_of() { # user (the password comes from the users file)
    local password
    password=$(redis_tls_password "$1")
    printf 'rediss://%s:%s@127.0.0.1:%s/0' "$1" "$password" "$redis_tls_port"
}

redis_tls_password() { # user
    local line
    [[ -f $redis_tls_users ]] || return 0
    while IFS= read -r line; do
        if [[ $line == "$1="* ]]; then printf '%s\n' "${line#*=}"; fi
    done <"$redis_tls_users"
}

redis_tls_answers() {
    local password
    password=$(redis_tls_password bloodbank)
    [[ -n $password ]] || return 1
    [[ $(REDISCLI_AUTH=$password timeout 5 redis-cli -h 127.0.0.1 -p "$redis_tls_port" --tls \
        --cacert "$tls_dir/ca.crt" --user bloodbank ping 2>/dev/null) == PONG ]]
}

# The configuration holds the passwords: written private, never on a command line.
write_redis_tls_files() {
    mkdir -p "$redis_tls_dir"
    rm -f "$redis_tls_dir/redis.log"
    local bloodbank outsider
    bloodbank=$(openssl rand -hex 16)
    outsider=$(openssl rand -hex 16)
    (
        umask 077
        printf '%s\n' "bloodbank=$bloodbank" "bb-outsider=$outsider" >"$redis_tls_users"
        printf '%s\n' '# Written by scripts/services.sh: a TLS-only Redis with ACL users.' \
            'bind 127.0.0.1' 'port 0' "tls-port $redis_tls_port" \
            "tls-cert-file $tls_dir/server.crt" "tls-key-file $tls_dir/server.key" \
            "tls-ca-cert-file $tls_dir/ca.crt" 'tls-auth-clients optional' \
            'save ""' 'appendonly no' "dir $redis_tls_dir" 'daemonize no' \
            'user default off' \
            "user bloodbank on >$bloodbank ~bloodbank:* &* +@all" \
            "user bb-outsider on >$outsider ~outsider:* &* +@all" >"$redis_tls_dir/redis.conf"
    )
}

start_redis_tls() {
    write_redis_tls_files
    started+=(redis-tls)
    launch redis-tls "$redis_tls_dir/redis.log" redis-server "$redis_tls_dir/redis.conf"
    local i
    for ((i = 0; i < 100; i++)); do
        redis_tls_answers && return 0
        running redis-tls || break
        sleep 0.1
    done
    bb_info "the TLS redis-server did not start on 127.0.0.1:$redis_tls_port"
    log_tail "$redis_tls_dir/redis.log"
    return 1
}

# For services.env: where the TLS Redis is and who may log in.
redis_tls_env_lines() {
    printf '%s\n' \
        "BB_TEST_REDIS_TLS_PORT=$redis_tls_port" \
        "BB_TEST_REDIS_TLS_URL=$(redis_tls_url_of bloodbank)" \
        "BB_TEST_REDIS_TLS_USER=bloodbank" \
        "BB_TEST_REDIS_TLS_PASSWORD=$(redis_tls_password bloodbank)" \
        "BB_TEST_REDIS_TLS_OUTSIDER_URL=$(redis_tls_url_of bb-outsider)" \
        "BB_REDIS_TLS_PID=$(pid_of redis-tls)"
}

redis_tls_status() { # prints one line; fails when it is not up
    if running redis-tls && redis_tls_answers; then
        say "rediss:   up   rediss://127.0.0.1:$redis_tls_port (users bloodbank, bb-outsider; pid $(pid_of redis-tls))"
    else
        say "rediss:   down"
        return 1
    fi
}
