#!/usr/bin/env python3
"""Checks a mapping's two tables against the segments (tests).

  dlq_check.py EXPECTED.jsonl INVALID.json DUCK_MAIN.json DUCK_DLQ.json

EXPECTED.jsonl: every record of the topic (lib.sh `expected`: topic,
partition, offset, value base64, ...). INVALID.json: {"<value base64>":
[stage, reason_prefix, path]} for the values that are invalid (any other
value is valid). DUCK_MAIN.json / DUCK_DLQ.json: DuckDB rows of the live
files of each table, [partition, offset, value_b64] and [partition,
offset, value_b64, error_stage, error_reason, error_path, schema_id].

Asserts: every valid record is in the data table exactly once and not in
the dead-letter table; every invalid one is in the dead-letter table
exactly once with its raw value and the expected error columns."""
import collections
import json
import sys

exp = [json.loads(l) for l in open(sys.argv[1])]
invalid = json.load(open(sys.argv[2]))
main = json.load(open(sys.argv[3]))
dlq = json.load(open(sys.argv[4]))

want_main = {(r["partition"], r["offset"]) for r in exp if r["value"] not in invalid}
want_dlq = {(r["partition"], r["offset"]): r for r in exp if r["value"] in invalid}
cm = collections.Counter((p, o) for p, o, _ in main)
cd = collections.Counter((r[0], r[1]) for r in dlq)
dup_m = [k for k, n in cm.items() if n > 1]
dup_d = [k for k, n in cd.items() if n > 1]
assert not dup_m, ("data table duplicates", dup_m[:5])
assert not dup_d, ("dead-letter duplicates", dup_d[:5])
assert set(cm) == want_main, ("data table", sorted(set(cm) ^ want_main)[:10])
assert set(cd) == set(want_dlq), ("dead-letter table", sorted(set(cd) ^ set(want_dlq))[:10])
for p, o, v, stage, reason, path, sid in dlq:
    r = want_dlq[(p, o)]
    assert v == r["value"], ("raw value", p, o, v, r["value"])
    ws, wr, wp = invalid[r["value"]]
    assert stage == ws, ("error_stage", p, o, stage, ws)
    assert reason.startswith(wr), ("error_reason", p, o, reason, wr)
    assert path == wp, ("error_path", p, o, path, wp)
    assert sid is None or isinstance(sid, int), ("schema_id", sid)
print("tables exact: %d rows, %d dead letters" % (len(main), len(dlq)))
