#!/usr/bin/env python3
"""Benchmark envelopes: COUNT canonical envelopes of ~500 bytes, half of them
with a parent, the same for every run (fixed seed).

    envelopes.py COUNT NDJSON [TSV]

NDJSON gets one envelope per line; TSV (optional) the same messages with their
AMQP properties split out for the rabbitmq-c baselines: event_id TAB
event_type TAB unix_seconds TAB correlation_id (may be empty) TAB body.
"""
import calendar, json, random, sys, uuid
count, ndjson = int(sys.argv[1]), sys.argv[2]
tsv = open(sys.argv[3], "w") if len(sys.argv) > 3 else None
rng = random.Random(42)
recent = []
with open(ndjson, "w") as out:
    for i in range(count):
        eid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        parents = [rng.choice(recent)] if recent and i % 2 else []
        second = i % 86400
        stamp = "2025-10-18T%02d:%02d:%02d.%06d+00:00" % (second // 3600, second // 60 % 60, second % 60, i % 1000000)
        payload = json.dumps({"index": i, "prompt": "p" * 150, "provider": "bench",
                              "model": "model-1", "tokens": i % 977}, separators=(",", ":"))
        etype = "bench.event.%d" % (i % 7)
        line = ('{"event_id":"%s","event_type":"%s","timestamp":"%s","version":"1.0.0",'
                '"source":{"host":"bench-host","type":"agent","app":"bench","meta":null},'
                '"correlation_ids":[%s],"agent_context":null,"payload":%s}'
                % (eid, etype, stamp, ",".join('"%s"' % p for p in parents), payload))
        out.write(line + "\n")
        if tsv:
            seconds = calendar.timegm((2025, 10, 18, second // 3600, second // 60 % 60, second % 60))
            tsv.write("%s\t%s\t%d\t%s\t%s\n" % (eid, etype, seconds, parents[0] if parents else "", line))
        recent = (recent + [eid])[-1000:]
