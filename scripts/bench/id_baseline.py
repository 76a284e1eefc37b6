"""The baseline bb-id --batch is measured against: the Python system's id
formula in a plain loop over the same NDJSON requests, one id per line on
stdout (an empty line for a request it cannot answer, as bb-id does).

    python3 scripts/bench/id_baseline.py < requests.ndjson
"""
import json
import sys
import uuid


def main() -> None:
    out = []
    for line in sys.stdin:
        try:
            request = json.loads(line)
            namespace = request.get("namespace", "bloodbank")
            if "fields" in request:
                key = "|".join(f"{k}={v}" for k, v in sorted(request["fields"].items()))
            else:
                key = request["key"]
            out.append(str(uuid.uuid5(uuid.NAMESPACE_OID,
                                      f"{namespace}:{request['event_type']}:{key}")))
        except (ValueError, KeyError, AttributeError):
            out.append("")
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))


if __name__ == "__main__":
    main()
