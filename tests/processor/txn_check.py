#!/usr/bin/python3
"""Helpers of it_txn.sh, it_mismatch.sh and it_stall.sh (data from
tests/data/gen_txn.py).

  want DIR PHASE TOPIC CASE:MODE...
      DIR/expected-TOPIC.jsonl = the records of each CASE whose offsets
      expected-CASE.json lists for PHASE (1-based) and MODE (read_committed
      or read_uncommitted), in tools/iceberg-check.mjs's line format.
  metric FILE NAME [label=value...]
      sum of the samples of NAME in a Prometheus text scrape whose labels
      include the given ones; prints "absent" when no sample matches.
  part STATUS.json TOPIC PARTITION
      the /status entry of one partition as JSON ("null" when absent).
"""
import json
import re
import sys


def want(d, phase, topic, specs):
    out = []
    for spec in specs:
        case, mode = spec.split(":")
        exp = json.load(open("%s/expected-%s.json" % (d, case)))
        assert exp["topic"] == topic, (case, exp["topic"], topic)
        # a case of one phase is in its final state from phase 1 on
        offs = set(exp["phases"][min(phase, len(exp["phases"])) - 1][mode])
        n = 0
        for line in open("%s/records-%s.jsonl" % (d, case)):
            r = json.loads(line)
            if r["offset"] in offs:
                out.append(line)
                n += 1
        assert n == len(offs), (case, mode, n, len(offs))
    with open("%s/expected-%s.jsonl" % (d, topic), "w") as f:
        f.writelines(out)
    print(len(out))


def metric(path, name, labels):
    want_l = dict(x.split("=", 1) for x in labels)
    total, found = 0.0, False
    for line in open(path):
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)', line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'([a-zA-Z_]+)="([^"]*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in want_l.items()):
            total += float(m.group(3))
            found = True
    print(("%g" % total) if found else "absent")


def part(path, topic, partition):
    try:
        s = json.load(open(path))
    except (OSError, ValueError):
        print("null")
        return
    for p in s.get("partitions", []):
        if p.get("topic") == topic and p.get("partition") == int(partition):
            print(json.dumps(p))
            return
    print("null")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "want":
        want(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:])
    elif cmd == "metric":
        metric(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "part":
        part(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown command " + cmd)
