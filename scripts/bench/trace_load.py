#!/usr/bin/env python3
"""Write the bb-trace benchmark graphs as Redis protocol for `redis-cli --pipe`.

  trace_load.py WORKDIR [--cluster HOST:PORT] > commands.resp

Two graphs, in the Python tracker's layout (SETEX of the forward record, SADD
and EXPIRE of the reverse set, per link) plus the bloodbank:event summary hash
bb-publish writes for every event:

  * a tree of branching 10 and depth 4 (11,111 events);
  * a linear chain of 1,000 events.

Fresh random ids every run. WORKDIR receives tree_root, tree_leaf (a node at
the deepest level), chain_head, chain_tail (one id each) and keys (every key
written, one per line, for the cleanup). With --cluster, the same commands
are also sent to the Redis Cluster that HOST:PORT belongs to, through
python3-redis's cluster client (redis-cli --pipe speaks to one node only).
"""

import json
import os
import sys
import uuid

TTL = "3600"
BRANCHING = 10
DEPTH = 4
CHAIN = 1000

out = sys.stdout.buffer
keys = []
clock = [0]
sent = []


def command(*args):
    sent.append(args)
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        data = a.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    out.write(b"".join(parts))


def event(event_type):
    event_id = str(uuid.uuid4())
    clock[0] += 1
    second = clock[0]
    stamp = "2025-10-18T%02d:%02d:%02d.000001+00:00" % (
        (second // 3600) % 24, (second // 60) % 60, second % 60)
    key = "bloodbank:event:" + event_id
    command("HSET", key, "event_type", event_type, "timestamp", stamp,
            "source_host", "bench", "source_app", "trace-bench", "source_type", "manual")
    command("EXPIRE", key, TTL)
    keys.append(key)
    return event_id


def link(child, parent):
    record = json.dumps({"parent_event_ids": [parent],
                         "created_at": "2025-10-18T14:03:07.123456",
                         "metadata": {}}, separators=(",", ":"))
    forward = "bloodbank:correlation:forward:" + child
    reverse = "bloodbank:correlation:reverse:" + parent
    command("SETEX", forward, TTL, record)
    command("SADD", reverse, child)
    command("EXPIRE", reverse, TTL)
    keys.append(forward)
    keys.append(reverse)


def load_cluster(seed):
    from redis.cluster import RedisCluster
    host, port = seed.rsplit(":", 1)
    cluster = RedisCluster(host=host, port=int(port))
    pipe = cluster.pipeline(transaction=False)
    for args in sent:
        pipe.execute_command(*args)
    pipe.execute()
    cluster.close()


def main():
    workdir = sys.argv[1]
    cluster = sys.argv[3] if len(sys.argv) == 4 and sys.argv[2] == "--cluster" else None
    root = event("bench.tree.root")
    level = [root]
    for depth in range(1, DEPTH + 1):
        below = []
        for parent in level:
            for _ in range(BRANCHING):
                child = event("bench.tree.level%d" % depth)
                link(child, parent)
                below.append(child)
        level = below
    leaf = level[-1]

    head = event("bench.chain")
    tail = head
    for _ in range(CHAIN - 1):
        child = event("bench.chain")
        link(child, tail)
        tail = child

    for name, value in (("tree_root", root), ("tree_leaf", leaf),
                        ("chain_head", head), ("chain_tail", tail)):
        with open(os.path.join(workdir, name), "w") as f:
            f.write(value + "\n")
    with open(os.path.join(workdir, "keys"), "w") as f:
        f.write("\n".join(sorted(set(keys))) + "\n")
    if cluster:
        load_cluster(cluster)


main()
