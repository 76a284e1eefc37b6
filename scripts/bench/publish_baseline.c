/*
 * The baseline bb-publish is measured against: the smallest rabbitmq-c loop
 * that publishes the same messages with the same properties and the same
 * pipelined publisher confirms (a window of unconfirmed messages). It also
 * does the bench's broker chores, since there is no management plugin.
 *
 *   publish_baseline declare HOST PORT EXCHANGE QUEUE [TYPE]
 *                            durable topic exchange, durable queue (classic, or
 *                            TYPE: quorum) bound with '#'
 *   publish_baseline purge   HOST PORT QUEUE
 *   publish_baseline delete  HOST PORT EXCHANGE QUEUE
 *   publish_baseline publish HOST PORT EXCHANGE WINDOW FILE
 *
 * FILE has one message per line: event_id TAB event_type TAB unix_seconds TAB
 * correlation_id (may be empty) TAB body. The whole file is loaded before the
 * first publish, so the loop does nothing but publish and read confirms.
 * Loopback only; user guest, vhost "/". Exits 1 on any failure.
 */
#define BASELINE_PROGRAM "publish_baseline"
#include "baseline_amqp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct message {
    amqp_bytes_t id, type, correlation, body;
    uint64_t timestamp;
};

/* Splits the file into messages in place; fields point into `data`. */
static struct message* load(const char* path, size_t* count) {
    FILE* f = fopen(path, "rb");
    if (!f)
        die(path, "cannot open");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char* data = malloc((size_t)size + 1);
    if (!data || fread(data, 1, (size_t)size, f) != (size_t)size)
        die(path, "cannot read");
    fclose(f);
    data[size] = '\n';
    size_t lines = 0;
    for (long i = 0; i < size; ++i)
        lines += data[i] == '\n';
    struct message* messages = calloc(lines + 1, sizeof *messages);
    size_t n = 0;
    char *p = data, *end = data + size;
    while (p < end) {
        char* fields[5];
        for (int k = 0; k < 5; ++k) {
            fields[k] = p;
            p += strcspn(p, k < 4 ? "\t\n" : "\n");
            if (*p == '\n' && k < 4)
                die(path, "a line has fewer than 5 fields");
            *p++ = '\0';
        }
        struct message* m = &messages[n++];
        m->id = amqp_cstring_bytes(fields[0]);
        m->type = amqp_cstring_bytes(fields[1]);
        m->timestamp = strtoull(fields[2], NULL, 10);
        m->correlation = amqp_cstring_bytes(fields[3]);
        m->body = amqp_cstring_bytes(fields[4]);
    }
    *count = n;
    return messages;
}

/* Reads one frame and counts the tags it settles. */
static void read_confirms(amqp_connection_state_t conn, unsigned char* settled, uint64_t* lowest,
                          uint64_t* done, uint64_t* failed) {
    amqp_frame_t frame;
    if (amqp_simple_wait_frame(conn, &frame) != AMQP_STATUS_OK)
        die("confirms", "connection lost");
    if (frame.frame_type != AMQP_FRAME_METHOD)
        return;
    uint64_t tag;
    int multiple, ack;
    if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
        amqp_basic_ack_t* a = frame.payload.method.decoded;
        tag = a->delivery_tag, multiple = a->multiple, ack = 1;
    } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
        amqp_basic_nack_t* a = frame.payload.method.decoded;
        tag = a->delivery_tag, multiple = a->multiple, ack = 0;
    } else {
        return;
    }
    for (uint64_t t = multiple ? *lowest : tag; t <= tag; ++t) {
        if (!settled[t]) {
            settled[t] = 1;
            ++*done;
            *failed += !ack;
        }
    }
    while (settled[*lowest])
        ++*lowest;
    amqp_maybe_release_buffers(conn);
}

static int publish(char** argv) {
    size_t count;
    struct message* messages = load(argv[6], &count);
    uint64_t window = strtoull(argv[5], NULL, 10);
    amqp_connection_state_t conn = connect_to(argv[2], argv[3]);
    amqp_confirm_select(conn, 1);
    check_rpc(conn, "confirm.select");
    amqp_bytes_t exchange = amqp_cstring_bytes(argv[4]);

    unsigned char* settled = calloc(count + 2, 1);
    uint64_t lowest = 1, done = 0, failed = 0;
    for (size_t i = 0; i < count; ++i) {
        while (i - done >= window)
            read_confirms(conn, settled, &lowest, &done, &failed);
        struct message* m = &messages[i];
        amqp_basic_properties_t props;
        props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_CONTENT_ENCODING_FLAG |
                       AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
                       AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_TYPE_FLAG;
        props.content_type = amqp_cstring_bytes("application/json");
        props.content_encoding = amqp_cstring_bytes("utf-8");
        props.delivery_mode = 2;
        props.message_id = m->id;
        props.type = m->type;
        props.timestamp = m->timestamp;
        if (m->correlation.len) {
            props._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
            props.correlation_id = m->correlation;
        }
        if (amqp_basic_publish(conn, 1, exchange, m->type, 1, 0, &props, m->body) != AMQP_STATUS_OK)
            die("publish", "failed");
    }
    while (done < count)
        read_confirms(conn, settled, &lowest, &done, &failed);
    finish(conn);
    if (failed) {
        fprintf(stderr, "publish_baseline: %llu messages nacked\n", (unsigned long long)failed);
        return 1;
    }
    return 0;
}

int main(int argc, char** argv) {
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "declare") == 0) {
        amqp_connection_state_t conn = connect_to(argv[2], argv[3]);
        amqp_table_entry_t type = {amqp_cstring_bytes("x-queue-type"),
                                   {AMQP_FIELD_KIND_UTF8, {0}}};
        amqp_table_t arguments = amqp_empty_table;
        if (argc == 7) {
            type.value.value.bytes = amqp_cstring_bytes(argv[6]);
            arguments.num_entries = 1;
            arguments.entries = &type;
        }
        amqp_exchange_declare(conn, 1, amqp_cstring_bytes(argv[4]), amqp_cstring_bytes("topic"), 0,
                              1, 0, 0, amqp_empty_table);
        check_rpc(conn, "exchange.declare");
        amqp_queue_declare(conn, 1, amqp_cstring_bytes(argv[5]), 0, 1, 0, 0, arguments);
        check_rpc(conn, "queue.declare");
        amqp_queue_bind(conn, 1, amqp_cstring_bytes(argv[5]), amqp_cstring_bytes(argv[4]),
                        amqp_cstring_bytes("#"), amqp_empty_table);
        check_rpc(conn, "queue.bind");
        finish(conn);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "purge") == 0) {
        amqp_connection_state_t conn = connect_to(argv[2], argv[3]);
        amqp_queue_purge(conn, 1, amqp_cstring_bytes(argv[4]));
        check_rpc(conn, "queue.purge");
        finish(conn);
        return 0;
    }
    if (argc == 6 && strcmp(argv[1], "delete") == 0) {
        amqp_connection_state_t conn = connect_to(argv[2], argv[3]);
        amqp_queue_delete(conn, 1, amqp_cstring_bytes(argv[5]), 0, 0);
        check_rpc(conn, "queue.delete");
        amqp_exchange_delete(conn, 1, amqp_cstring_bytes(argv[4]), 0);
        check_rpc(conn, "exchange.delete");
        finish(conn);
        return 0;
    }
    if (argc == 7 && strcmp(argv[1], "publish") == 0)
        return publish(argv);
    fprintf(stderr, "usage: publish_baseline declare|purge|delete|publish ... (see the source)\n");
    return 64;
}
