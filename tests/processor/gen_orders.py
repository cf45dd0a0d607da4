#!/usr/bin/python3
"""Segments of typed order events for the partitioned-table tests (and
the demo's shape): topics orders and clicks, partitions 0..P-1, JSON
values

  {"order_id": N, "amount": "123.45" or 123.45, "status": S,
   "event_time": RFC 3339 with an offset, "customer": "c<k>"}

event_time spreads over HOURS hours (several days), with offsets other
than Z so normalising to UTC matters (a local time just after midnight
at +02:00 is the previous UTC day). Kafka timestamps follow event_time.

  gen_orders.py OUT [--partitions P] [--records R] [--hours H] [--seed S]
    -> OUT/segments/bucket/prod/<topic>/<p>/segment-*.kfs|.index
       OUT/expected-<topic>.json: [[partition, offset, order_id, amount
       text (2 decimals), status, event_time micros (UTC), customer,
       key], ...]
"""
import argparse, datetime, json, os, random, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "data"))
from kafscale_vec import Batch, Segment, index_bytes, index_entries, container  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--partitions", type=int, default=3)
ap.add_argument("--records", type=int, default=400)
ap.add_argument("--hours", type=int, default=72)
ap.add_argument("--seed", type=int, default=7)
ap.add_argument("--per-batch", type=int, default=16)
ap.add_argument("--per-segment", type=int, default=200)
a = ap.parse_args()
rnd = random.Random(a.seed)
T0 = datetime.datetime(2026, 9, 20, 0, 0, tzinfo=datetime.timezone.utc)
STATUSES = ["new", "paid", "shipped", "cancelled", "refunded"]
OFFSETS = [0, 120, -300, 330, 60]  # minutes east of UTC


def rfc3339(dt, off_min):
    tz = datetime.timezone(datetime.timedelta(minutes=off_min))
    local = dt.astimezone(tz)
    s = local.strftime("%Y-%m-%dT%H:%M:%S")
    if local.microsecond:
        s += ".%06d" % local.microsecond
    if off_min == 0:
        return s + "Z"
    sign = "+" if off_min > 0 else "-"
    return s + "%s%02d:%02d" % (sign, abs(off_min) // 60, abs(off_min) % 60)


oid = 0
for topic in ("orders", "clicks"):
    expected = []
    for p in range(a.partitions):
        seg_dir = os.path.join(a.out, "segments", "bucket", "prod", topic, str(p))
        os.makedirs(seg_dir, exist_ok=True)
        recs = []
        for o in range(a.records):
            oid += 1
            # mostly increasing time with late records (up to 6 h back)
            frac = (o + rnd.random() * 3) / a.records
            dt = T0 + datetime.timedelta(hours=a.hours * frac - rnd.choice([0, 0, 0, 6]) * rnd.random())
            dt = dt.replace(microsecond=rnd.choice([0, 0, 250000, 123456]))
            cents = rnd.randrange(1, 10**8)  # up to 999999.99: decimal(10,2)
            amount = "%d.%02d" % (cents // 100, cents % 100)
            status = rnd.choice(STATUSES)
            cust = "c%d" % rnd.randrange(40)
            key = ("k%d" % rnd.randrange(1000)).encode()
            v = {"order_id": oid, "amount": amount if o % 2 else float(amount), "status": status,
                 "event_time": rfc3339(dt, rnd.choice(OFFSETS)), "customer": cust}
            us = int((dt - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)).total_seconds()) * 1000000 + dt.microsecond
            recs.append((o, us // 1000, key, json.dumps(v).encode()))
            expected.append([p, o, oid, amount, status, us, cust, key.decode()])
        for start in range(0, len(recs), a.per_segment):
            chunk = recs[start:start + a.per_segment]
            s = Segment("ord", topic, p, start, chunk[0][1], interval=1)
            for b in range(0, len(chunk), a.per_batch):
                part = chunk[b:b + a.per_batch]
                ts0 = part[0][1]
                s.add(Batch([{"delta": i, "ts": r[1], "key": r[2], "value": r[3], "headers": []}
                             for i, r in enumerate(part)]))
            enc, positions, counts, last = s.build()
            kfs = container(enc, s.base_offset, sum(counts), chunk[0][1], last)
            idx = index_bytes(index_entries([x.base_offset for x in s.batches], positions, counts, 1), 1)
            name = "segment-%020d" % s.base_offset
            open(os.path.join(seg_dir, name + ".kfs"), "wb").write(kfs)
            open(os.path.join(seg_dir, name + ".index"), "wb").write(idx)
    json.dump(expected, open(os.path.join(a.out, "expected-%s.json" % topic), "w"))
