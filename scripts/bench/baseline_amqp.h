/*
 * What the rabbitmq-c baselines share: failing loudly, and one connection with
 * channel 1 open. Define BASELINE_PROGRAM (the name in messages) first.
 * Loopback only; user guest, vhost "/".
 */
#ifndef BB_BENCH_BASELINE_AMQP_H
#define BB_BENCH_BASELINE_AMQP_H

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <stdio.h>
#include <stdlib.h>

static void die(const char* what, const char* why) {
    fprintf(stderr, BASELINE_PROGRAM ": %s: %s\n", what, why);
    exit(1);
}

static void check_rpc(amqp_connection_state_t conn, const char* what) {
    amqp_rpc_reply_t r = amqp_get_rpc_reply(conn);
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION)
        die(what, amqp_error_string2(r.library_error));
    die(what, "refused by the broker");
}

static amqp_connection_state_t connect_to(const char* host, const char* port) {
    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t* socket = amqp_tcp_socket_new(conn);
    struct timeval timeout = {5, 0};
    if (!socket || amqp_socket_open_noblock(socket, host, atoi(port), &timeout) != AMQP_STATUS_OK)
        die("connect", "cannot open a socket to the broker");
    amqp_rpc_reply_t r =
        amqp_login(conn, "/", 0, 131072, 30, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    if (r.reply_type != AMQP_RESPONSE_NORMAL)
        die("login", "refused");
    amqp_channel_open(conn, 1);
    check_rpc(conn, "channel.open");
    return conn;
}

static void finish(amqp_connection_state_t conn) {
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
}

#endif
