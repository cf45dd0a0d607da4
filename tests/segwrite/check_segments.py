#!/usr/bin/python3
"""Independent reader for datasets written by icp-seggen (src/segwrite/).

Usage: check_segments.py DIR EXPECT_JSON
  EXPECT_JSON: {"namespace": "ns", "topics": [...], "partitions": N,
                "records": N, "codec": "none|gzip|snappy|lz4|zstd|mixed",
                "index_interval": N, "control": bool, "dump": {kfs: lines}}

Checks every segment against the KafScale spec with kafka-python's
DefaultRecordBatch (batch CRC32C, decompression, record parsing) and its
CRC32C for the segment body: header, footer, message count, last offset,
the .index (recomputed with the broker's rule and compared entry by entry),
offsets contiguous within and across segments, and the JSON events (fields
per topic, created_at equal to the record timestamp). Prints one line per
failure and a summary; exits 1 on any failure.
"""
import json
import os
import re
import struct
import sys
from datetime import datetime, timezone

from kafka.record.default_records import DefaultRecordBatch
from kafka.record.util import calc_crc32c

CODEC_BITS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL " + msg)


def iso(ms):
    t = datetime.fromtimestamp(ms / 1000.0, tz=timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def check_event(where, topic, ts, key, value, headers):
    try:
        ev = json.loads(value)
    except ValueError as e:
        return fail("%s: value is not JSON: %s" % (where, e))
    fields = {
        "orders": ("order_id", "status", "amount", "customer", "created_at"),
        "clicks": ("click_id", "user", "page", "referrer", "ts"),
        "payments": ("payment_id", "order_id", "amount", "currency", "paid",
                     "created_at"),
    }.get(topic, ("id", "type", "ts"))
    for f in fields:
        if f not in ev:
            fail("%s: %s event lacks %s" % (where, topic, f))
    when = ev.get("created_at", ev.get("ts"))
    if when != iso(ts):
        fail("%s: event time %s is not the record timestamp %s" % (where, when, iso(ts)))
    if topic == "orders" and key is not None and key.decode() != ev.get("customer"):
        fail("%s: key %r is not the customer %r" % (where, key, ev.get("customer")))
    hk = [h[0] for h in headers]
    if hk[:1] != ["source"] or dict(headers).get("source") != b"icp-seggen":
        fail("%s: headers %r" % (where, headers))
    tid = dict(headers).get("trace-id")
    if tid is not None and not re.fullmatch(rb"[0-9a-f]{16}", tid):
        fail("%s: trace-id %r" % (where, tid))


def check_segment(path, topic, expect, next_offset, stats):
    data = open(path, "rb").read()
    name = os.path.basename(path)
    m = re.fullmatch(r"segment-(\d{20})\.kfs", name)
    if not m:
        return fail("%s: bad file name" % path), next_offset
    base = int(m.group(1))
    if len(data) < 48:
        return fail("%s: %d bytes is too short" % (path, len(data))), next_offset
    magic, ver, flags, hbase, count, created, reserved = struct.unpack(
        ">4sHHqiqI", data[:32])
    if (magic, ver, flags, reserved) != (b"KAFS", 1, 0, 0):
        fail("%s: header %r" % (path, (magic, ver, flags, reserved)))
    if hbase != base or base != next_offset:
        fail("%s: header base %d, name %d, expected %d" % (path, hbase, base, next_offset))
    crc, last, fmagic = struct.unpack(">Iq4s", data[-16:])
    if fmagic != b"END!":
        fail("%s: footer magic %r" % (path, fmagic))
    body = data[32:-16]
    if calc_crc32c(memoryview(body)) != crc:
        fail("%s: body CRC32C mismatch" % path)
    pos, msgs, batches = 32, 0, []
    offset = base
    while pos < len(data) - 16:
        bbase, blen = struct.unpack(">qi", data[pos:pos + 12])
        end = pos + 12 + blen
        if end > len(data) - 16:
            fail("%s: batch at %d runs past the body" % (path, pos))
            break
        raw = data[pos:end]
        b = DefaultRecordBatch(raw)
        where = "%s: batch at %d" % (path, pos)
        if b.magic != 2 or not b.validate_crc():
            fail("%s: magic %d or CRC32C invalid" % (where, b.magic))
        nrec = struct.unpack(">i", raw[57:61])[0]
        lod = b.last_offset_delta
        if bbase != offset:
            fail("%s: base offset %d, expected %d" % (where, bbase, offset))
        codec = b.compression_type
        if b.is_control_batch:
            stats["control"] += 1
            recs = list(b)
            if not expect["control"] or len(recs) != 1 or lod != 0:
                fail("%s: unexpected control batch" % where)
            elif recs[0].key[:2] != b"\x00\x00" or recs[0].key[2:] not in (b"\x00\x00", b"\x00\x01"):
                fail("%s: control record key %r" % (where, recs[0].key))
        else:
            if expect["codec"] != "mixed" and codec != CODEC_BITS[expect["codec"]]:
                fail("%s: codec %d, expected %s" % (where, codec, expect["codec"]))
            if b.is_transactional != expect["control"]:
                fail("%s: transactional bit %s" % (where, b.is_transactional))
            stats["codecs"][codec] = stats["codecs"].get(codec, 0) + 1
            recs = list(b)
            prev_ts = None
            for i, r in enumerate(recs):
                if r.offset != bbase + i:
                    fail("%s: record %d has offset %d" % (where, i, r.offset))
                if prev_ts is not None and r.timestamp < prev_ts:
                    fail("%s: timestamps go backwards" % where)
                prev_ts = r.timestamp
                check_event("%s offset %d" % (where, r.offset), topic, r.timestamp,
                            r.key, r.value, r.headers)
            if recs and b.max_timestamp != max(r.timestamp for r in recs):
                fail("%s: maxTimestamp %d" % (where, b.max_timestamp))
            if recs and b.first_timestamp != recs[0].timestamp:
                fail("%s: firstTimestamp %d" % (where, b.first_timestamp))
            stats["records"] += len(recs)
        if len(recs) != nrec or lod != nrec - 1:
            fail("%s: recordCount %d, lastOffsetDelta %d, %d records" % (where, nrec, lod, len(recs)))
        batches.append((bbase, pos, nrec))
        msgs += nrec
        offset = bbase + lod + 1
        pos = end
        stats["batches"] += 1
    if pos != len(data) - 16:
        fail("%s: batches end at %d, footer at %d" % (path, pos, len(data) - 16))
    if count != msgs:
        fail("%s: header message count %d, batches hold %d" % (path, count, msgs))
    if last != offset - 1:
        fail("%s: footer last offset %d, expected %d" % (path, last, offset - 1))
    # index
    ipath = path[:-4] + ".index"
    if not os.path.exists(ipath):
        fail("%s: no index" % path)
        return offset
    idx = open(ipath, "rb").read()
    imagic, iver, n, interval, ires = struct.unpack(">4sHiiH", idx[:16])
    if (imagic, iver, ires) != (b"IDX\x00", 1, 0) or interval != expect["index_interval"]:
        fail("%s: index header %r" % (ipath, (imagic, iver, interval, ires)))
    if len(idx) != 16 + 12 * n:
        fail("%s: %d entries but %d bytes" % (ipath, n, len(idx)))
    got = [struct.unpack(">qi", idx[16 + 12 * i:28 + 12 * i]) for i in range(n)]
    want, since = [], 0
    for i, (o, p, c) in enumerate(batches):
        if i == 0 or since >= interval:
            want.append((o, p))
            since = 0
        since += c
    if got != want:
        fail("%s: index entries %r, expected %r" % (ipath, got[:5], want[:5]))
    dumped = expect.get("dump", {}).get(path)
    if dumped is not None:
        # our own reader (iceberg-processor dump-segment) must agree
        stats["dump_checked"] += 1
        nonctl = sum(c for (o, p, c) in batches
                     if not struct.unpack(">h", data[p + 21:p + 23])[0] & 0x20)
        if dumped != nonctl:
            fail("%s: dump-segment printed %d lines, the segment holds %d data "
                 "records" % (path, dumped, nonctl))
    stats["segments"] += 1
    return offset


def main():
    root, expect = sys.argv[1], json.load(open(sys.argv[2]))
    base = os.path.join(root, expect["namespace"]) if expect["namespace"] else root
    stats = {"segments": 0, "batches": 0, "records": 0, "control": 0, "codecs": {},
             "dump_checked": 0}
    topics = sorted(os.listdir(base))
    if topics != sorted(expect["topics"]):
        fail("topics %r, expected %r" % (topics, expect["topics"]))
    for topic in topics:
        parts = sorted(os.listdir(os.path.join(base, topic)), key=int)
        if parts != [str(p) for p in range(expect["partitions"])]:
            fail("%s: partitions %r" % (topic, parts))
        for p in parts:
            d = os.path.join(base, topic, p)
            files = sorted(os.listdir(d))
            kfs = [f for f in files if f.endswith(".kfs")]
            if len(files) != 2 * len(kfs) or any(f.endswith(".tmp") for f in files):
                fail("%s: files %r" % (d, files))
            before = stats["records"]
            nxt = 0
            for f in kfs:
                nxt = check_segment(os.path.join(d, f), topic, expect, nxt, stats)
            if stats["records"] - before != expect["records"]:
                fail("%s: %d records, expected %d" % (d, stats["records"] - before,
                                                      expect["records"]))
    if expect["codec"] == "mixed" and len(stats["codecs"]) != 5:
        fail("mixed dataset used codecs %r only" % sorted(stats["codecs"]))
    if expect["control"] and stats["control"] == 0:
        fail("no control batches were written")
    if expect.get("dump") and stats["dump_checked"] != len(expect["dump"]):
        fail("dump-segment results for %d segments, checked %d"
             % (len(expect["dump"]), stats["dump_checked"]))
    print("%s: %d segments, %d batches (%d control), %d records, codecs %s: %d failures"
          % (expect["codec"], stats["segments"], stats["batches"], stats["control"],
             stats["records"], json.dumps(stats["codecs"], sort_keys=True), len(FAILS)))
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
