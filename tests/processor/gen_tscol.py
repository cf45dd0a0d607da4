#!/usr/bin/python3
"""Segments for it_timestamp_column.sh: topic orders, partitions 0 and 1,
one record per batch (a batch's records share its first timestamp's
range), values {"n": offset}.

  gen_tscol.py OUT -> OUT/segments/bucket/prod/orders/<p>/segment-*.kfs|.index
                      OUT/expected.json  {"<p>:<offset>": micros or null}

Kafka record timestamps are any int64 of milliseconds. Partition 0 has
ordinary ones, 0, a negative one (before 1970, with a fraction of a
second), and the two ends of int64 whose microseconds leave int64
(INT64_MAX and INT64_MIN: null in the column); the last record is an
ordinary one. Partition 1 has one INT64_MAX among ordinary ones (the
warning is logged once per partition)."""
import json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "data"))
from kafscale_vec import Batch, Segment, index_bytes, index_entries, container  # noqa: E402

out = sys.argv[1]
T0 = 1790000000000  # 2026-09-21T14:13:20Z
MAX, MIN = 2**63 - 1, -2**63
parts = {
    0: [T0, T0 + 123, MAX, -1500, 0, MIN, -62135596800000, T0 + 1000],
    1: [T0 + 5, MAX, T0 + 7],
}
expected = {}
for p, stamps in parts.items():
    seg_dir = os.path.join(out, "segments", "bucket", "prod", "orders", str(p))
    os.makedirs(seg_dir, exist_ok=True)
    s = Segment("ts", "orders", p, 0, T0, interval=1)
    for o, ts in enumerate(stamps):
        v = json.dumps({"n": o}).encode()
        s.add(Batch([{"delta": 0, "ts": ts, "key": b"k%d" % o, "value": v, "headers": []}]))
        us = ts * 1000
        expected["%d:%d" % (p, o)] = us if -2**63 <= us < 2**63 else None
    enc, positions, counts, last = s.build()
    kfs = container(enc, s.base_offset, sum(counts), T0, last)
    idx = index_bytes(index_entries([x.base_offset for x in s.batches], positions, counts, 1), 1)
    name = "segment-%020d" % s.base_offset
    open(os.path.join(seg_dir, name + ".kfs"), "wb").write(kfs)
    open(os.path.join(seg_dir, name + ".index"), "wb").write(idx)
json.dump(expected, open(os.path.join(out, "expected.json"), "w"), indent=1)
