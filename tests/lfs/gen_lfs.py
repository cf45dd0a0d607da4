#!/usr/bin/python3
"""Segments whose values are LFS envelopes, the blobs they point at, and
the expected table for each LFS mode.

  gen_lfs.py OUT        -> OUT/segments/bucket/prod/docs/0/segment-*.kfs|.index
                           OUT/segments/blobs/<key>          (the blob bucket)
                           OUT/expected-<mode>.jsonl         (off resolve reference skip hybrid)
                           OUT/counts-<mode>.json            ({"invalid": n, "skipped_lfs": n})

Record kinds (offset order, repeated): a plain value; envelopes with
sha256 (as "sha256" only), md5 and crc32 checksums and "none"; a large blob
(over max_inline_size = 4096); a blob whose bytes do not match its
checksum; an envelope pointing at a missing blob; a malformed envelope
(no "key"). Batches and the KafScale container come from kafscale_vec.py
(kafka-python's record encoder)."""
import base64, hashlib, json, os, sys, zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "data"))
from kafscale_vec import Batch, Segment, index_bytes, index_entries, container  # noqa: E402

out = sys.argv[1]
MAX_INLINE = 4096
T0 = 1790000000000
blobdir = os.path.join(out, "segments", "blobs")
os.makedirs(blobdir, exist_ok=True)
rows = []  # (offset, ts, value, kind, blob)


def envelope(key, blob, alg="sha256", checksum=None, size=None, drop=None):
    e = {"kfs_lfs": 1, "bucket": "blobs", "key": key,
         "size": len(blob) if size is None else size,
         "sha256": hashlib.sha256(blob).hexdigest(),
         "content_type": "application/octet-stream", "created_at": "2026-11-24T00:00:00Z"}
    if alg == "md5":
        e["checksum"], e["checksum_alg"] = hashlib.md5(blob).hexdigest(), "md5"
    elif alg == "crc32":
        e["checksum"], e["checksum_alg"] = "%08x" % (zlib.crc32(blob) & 0xffffffff), "crc32"
    elif alg == "none":
        e["checksum"], e["checksum_alg"] = "00", "none"
    if checksum is not None:
        e["checksum"] = checksum
    if drop:
        del e[drop]
    return json.dumps(e).encode()


def put_blob(key, data):
    p = os.path.join(blobdir, key)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)


records = []
for i in range(60):
    k = i % 8
    blob = (("blob %d " % i) * 40).encode()[: 200 + i]
    key = "lfs/docs/%04d.bin" % i
    if k == 0:
        records.append((b'"plain value %d"' % i, "plain", None))
    elif k == 1:
        put_blob(key, blob); records.append((envelope(key, blob), "ok", blob))
    elif k == 2:
        put_blob(key, blob); records.append((envelope(key, blob, "md5"), "ok", blob))
    elif k == 3:
        put_blob(key, blob); records.append((envelope(key, blob, "crc32"), "ok", blob))
    elif k == 4:
        big = os.urandom(MAX_INLINE + 1000)
        put_blob(key, big); records.append((envelope(key, big), "large", big))
    elif k == 5:
        put_blob(key, blob + b"tampered"); records.append((envelope(key, blob, size=len(blob) + 8), "badsum", None))
    elif k == 6:
        records.append((envelope(key, blob), "missing", None))
    else:
        records.append((envelope(key, blob, drop="key"), "malformed", None))

seg_dir = os.path.join(out, "segments", "bucket", "prod", "docs", "0")
os.makedirs(seg_dir, exist_ok=True)
for part in range(2):  # two segments of 30 records, 3 batches each
    chunk = records[part * 30:(part + 1) * 30]
    s = Segment("lfs", "docs", 0, part * 30, T0, interval=10)
    for b in range(3):
        recs = [{"delta": j, "ts": T0 + part * 30 + b * 10 + j, "key": b"k%d" % (part * 30 + b * 10 + j),
                 "value": chunk[b * 10 + j][0], "headers": []} for j in range(10)]
        s.add(Batch(recs, variant=["none", "gzip", "zstd"][b]))
    enc, positions, counts, last = s.build()
    kfs = container(enc, s.base_offset, sum(counts), T0, last)
    idx = index_bytes(index_entries([b.base_offset for b in s.batches], positions, counts, 10), 10)
    name = "segment-%020d" % s.base_offset
    open(os.path.join(seg_dir, name + ".kfs"), "wb").write(kfs)
    open(os.path.join(seg_dir, name + ".index"), "wb").write(idx)


def b64(v):
    return base64.b64encode(v).decode()


for mode in ("off", "resolve", "reference", "skip", "hybrid"):
    n_invalid = n_skipped = 0
    with open(os.path.join(out, "expected-%s.jsonl" % mode), "w") as f:
        for off, (value, kind, blob) in enumerate(records):
            v = value
            if kind != "plain" and mode != "off":
                if mode == "skip":
                    n_skipped += 1
                    continue
                if mode == "reference":
                    pass
                elif kind == "malformed" or kind in ("badsum", "missing"):
                    n_invalid += 1
                    continue
                elif kind == "large":
                    if mode == "resolve":
                        n_invalid += 1
                        continue
                    # hybrid keeps the envelope of a large blob
                else:
                    v = blob
            f.write(json.dumps({"topic": "docs", "partition": 0, "offset": off,
                                "timestamp": T0 + off, "key": b64(b"k%d" % off),
                                "value": b64(v), "headers": []}) + "\n")
    json.dump({"invalid": n_invalid, "skipped_lfs": n_skipped},
              open(os.path.join(out, "counts-%s.json" % mode), "w"))
