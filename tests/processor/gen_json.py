#!/usr/bin/python3
"""Segments of JSON order records for the validation tests, and the
registry document they are checked against.

  gen_json.py OUT -> OUT/segments/bucket/prod/orders/0/segment-*.kfs|.index
                     OUT/registry/orders.json   (JSON Schema, draft 2020-12)
                     OUT/expected-lenient.jsonl (the valid records)
                     OUT/invalid.txt            (offset keyword, one per line)

100 records in two segments; every 9th (offset 8, 17, ...) breaks the
schema in a rotating way (negative amount, missing order_id, status not in
the enum, order_id a string, malformed JSON); offset 40 is a tombstone
(null value: never validated)."""
import base64, json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "data"))
from kafscale_vec import Batch, Segment, index_bytes, index_entries, container  # noqa: E402

out = sys.argv[1]
T0 = 1790000000000
schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["order_id", "amount", "status"],
    "properties": {
        "order_id": {"type": "integer"},
        "amount": {"type": "number", "minimum": 0},
        "status": {"enum": ["new", "paid", "shipped"]},
        "note": {"type": "string", "maxLength": 40},
    },
}
os.makedirs(os.path.join(out, "registry"), exist_ok=True)
json.dump(schema, open(os.path.join(out, "registry", "orders.json"), "w"))

values, bad = [], []
breakers = [
    ("minimum", lambda r: dict(r, amount=-1.5)),
    ("required", lambda r: {k: v for k, v in r.items() if k != "order_id"}),
    ("enum", lambda r: dict(r, status="lost")),
    ("type", lambda r: dict(r, order_id=str(r["order_id"]))),
    ("json", None),
]
for i in range(100):
    r = {"order_id": 1000 + i, "amount": i * 1.25, "status": ["new", "paid", "shipped"][i % 3],
         "note": "order %d" % i}
    if i == 40:
        values.append(None)
        continue
    if i % 9 == 8:
        kw, fn = breakers[(i // 9) % len(breakers)]
        bad.append((i, kw))
        values.append(b'{"order_id": 1, "amount": ' if fn is None else json.dumps(fn(r)).encode())
        continue
    values.append(json.dumps(r).encode())

seg_dir = os.path.join(out, "segments", "bucket", "prod", "orders", "0")
os.makedirs(seg_dir, exist_ok=True)
for part in range(2):
    s = Segment("json", "orders", 0, part * 50, T0, interval=10)
    for b in range(5):
        recs = []
        for j in range(10):
            o = part * 50 + b * 10 + j
            recs.append({"delta": j, "ts": T0 + o, "key": b"o%d" % o, "value": values[o], "headers": []})
        s.add(Batch(recs, variant=["none", "gzip", "zstd", "none", "gzip"][b]))
    enc, positions, counts, last = s.build()
    kfs = container(enc, s.base_offset, sum(counts), T0, last)
    idx = index_bytes(index_entries([x.base_offset for x in s.batches], positions, counts, 10), 10)
    name = "segment-%020d" % s.base_offset
    open(os.path.join(seg_dir, name + ".kfs"), "wb").write(kfs)
    open(os.path.join(seg_dir, name + ".index"), "wb").write(idx)

bad_offsets = {o for o, _ in bad}
with open(os.path.join(out, "expected-lenient.jsonl"), "w") as f:
    for o, v in enumerate(values):
        if o in bad_offsets:
            continue
        f.write(json.dumps({"topic": "orders", "partition": 0, "offset": o, "timestamp": T0 + o,
                            "key": base64.b64encode(b"o%d" % o).decode(),
                            "value": None if v is None else base64.b64encode(v).decode(),
                            "headers": []}) + "\n")
with open(os.path.join(out, "invalid.txt"), "w") as f:
    for o, kw in bad:
        f.write("%d %s\n" % (o, kw))
