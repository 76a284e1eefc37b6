/*
 * The baseline bb-consume is measured against: the smallest rabbitmq-c
 * consumer that drains a queue the way `bb-consume --queue Q --idle-timeout S`
 * does, with the same prefetch and manual acks (one basic.ack per message),
 * writing each body and a newline to stdout (buffered by stdio). It stops once
 * nothing arrived for IDLE seconds. It also counts what a queue holds, so the
 * bench can check that every run left it empty.
 *
 *   consume_baseline drain HOST PORT QUEUE PREFETCH IDLE
 *   consume_baseline replay HOST PORT STREAM PREFETCH COUNT
 *                          the first COUNT messages of a stream queue, from its
 *                          first offset (fails after 10 s with nothing)
 *   consume_baseline count HOST PORT QUEUE        prints the messages ready
 *
 * Prints nothing but the bodies (drain) or the number (count). Loopback only;
 * user guest, vhost "/". Exits 1 on any failure.
 */
#define BASELINE_PROGRAM "consume_baseline"
#include "baseline_amqp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Consumes QUEUE (argv[4]) with PREFETCH (argv[5]) and `arguments`, writing
 * each body and a newline and acking it, until `limit` messages (0: no limit)
 * or until nothing came for `wait`; with a limit, that is a failure. */
static int consume(char** argv, amqp_table_t arguments, unsigned long long limit,
                   struct timeval wait) {
    amqp_connection_state_t conn = connect_to(argv[2], argv[3]);
    amqp_basic_qos(conn, 1, 0, (uint16_t)atoi(argv[5]), 0);
    check_rpc(conn, "basic.qos");
    amqp_basic_consume(conn, 1, amqp_cstring_bytes(argv[4]), amqp_empty_bytes, 0, 0, 0,
                       arguments);
    check_rpc(conn, "basic.consume");
    for (unsigned long long n = 0; limit == 0 || n < limit; ++n) {
        amqp_envelope_t envelope;
        amqp_maybe_release_buffers(conn);
        amqp_rpc_reply_t r = amqp_consume_message(conn, &envelope, &wait, 0);
        if (limit == 0 && r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
            r.library_error == AMQP_STATUS_TIMEOUT)
            break; /* idle: the queue is empty */
        if (r.reply_type != AMQP_RESPONSE_NORMAL)
            die("consume", limit ? "fewer messages than asked for, or the connection was lost"
                                 : "connection lost or unexpected frame");
        fwrite(envelope.message.body.bytes, 1, envelope.message.body.len, stdout);
        putchar('\n');
        if (amqp_basic_ack(conn, 1, envelope.delivery_tag, 0) != AMQP_STATUS_OK)
            die("ack", "failed");
        amqp_destroy_envelope(&envelope);
    }
    if (fflush(stdout) != 0)
        die("stdout", "write failed");
    finish(conn);
    return 0;
}

static int drain(char** argv) {
    double idle = atof(argv[6]);
    struct timeval wait = {(time_t)idle, (suseconds_t)((idle - (time_t)idle) * 1e6)};
    return consume(argv, amqp_empty_table, 0, wait);
}

static int replay(char** argv) {
    amqp_table_entry_t first = {amqp_cstring_bytes("x-stream-offset"),
                                {AMQP_FIELD_KIND_UTF8, {0}}};
    first.value.value.bytes = amqp_cstring_bytes("first");
    amqp_table_t arguments = {1, &first};
    struct timeval wait = {10, 0};
    return consume(argv, arguments, strtoull(argv[6], NULL, 10), wait);
}

static int count(char** argv) {
    amqp_connection_state_t conn = connect_to(argv[2], argv[3]);
    amqp_queue_declare_ok_t* ok =
        amqp_queue_declare(conn, 1, amqp_cstring_bytes(argv[4]), 1, 0, 0, 0, amqp_empty_table);
    check_rpc(conn, "queue.declare");
    printf("%u\n", ok->message_count);
    finish(conn);
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 7 && strcmp(argv[1], "drain") == 0)
        return drain(argv);
    if (argc == 7 && strcmp(argv[1], "replay") == 0)
        return replay(argv);
    if (argc == 5 && strcmp(argv[1], "count") == 0)
        return count(argv);
    fprintf(stderr, "usage: consume_baseline drain|replay|count ... (see the source)\n");
    return 64;
}
