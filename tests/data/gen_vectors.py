#!/usr/bin/python3
"""Writes the project's KafScale segment test vectors into tests/data/segments/
and seeds fuzz/corpus/segment and fuzz/corpus/index from them.

Run with Debian's interpreter (it has python3-kafka, -snappy, -lz4 and
-zstandard):  /usr/bin/python3 tests/data/gen_vectors.py [OUTDIR]
(with OUTDIR only the vectors are written, the fuzz seeds are left alone).

How the bytes are built is described in kafscale_vec.py. Output is
deterministic: fixed seeds, fixed timestamps, gzip MTIME 0.
"""
import json
import os
import random
import shutil
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import zstandard  # noqa: E402

from kafscale_vec import (MANIFEST, VARIANTS, Batch, Segment,  # noqa: E402
                          batch_fields, client_records, container, crc32c,
                          enc_record, encode_batch, index_bytes, index_entries,
                          varint)

# ------------------------------------------------------------- test data

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo "
         "lima mike november oscar papa quebec romeo sierra tango uniform "
         "victor whiskey xray yankee zulu order click payment paid shipped "
         "refunded pending customer amount status").split()


def rec(delta, ts, key, value, headers=()):
    return {"delta": delta, "ts": ts, "key": key, "value": value,
            "headers": list(headers)}


def text(rng, nbytes):
    out = []
    n = 0
    while n < nbytes:
        w = rng.choice(WORDS)
        out.append(w)
        n += len(w) + 1
    return " ".join(out)[:nbytes].encode("ascii")


def gen_records(rng, n, ts0, value_len=(20, 400), start_delta=0, shapes=True):
    """n records of mixed shapes: mostly text values, some null keys,
    tombstones, empty values and headers with null values."""
    out, ts = [], ts0
    for i in range(n):
        ts += rng.randint(0, 40)
        key = ("user-%04d" % rng.randint(0, 9999)).encode()
        value = text(rng, rng.randint(*value_len))
        headers = []
        k = i % 11 if shapes else 99
        if k == 3:
            key = None
        elif k == 5:
            value = None
        elif k == 7:
            value = b""
        if i % 4 == 0:
            headers.append(("seq", str(i).encode()))
        if k == 9:
            headers.append(("trace", None))
        out.append(rec(start_delta + i, ts, key, value, headers))
    return out


ALL_BYTES = bytes(range(256))
T0 = 1790000000000  # 2026-09-21, fixed


def case_plain():
    s = Segment("plain", "orders", 0, 0, T0 + 1000, 100,
                "Uncompressed batches covering every shape of key, value and header.",
                ["null key", "empty key", "tombstone (null value)", "empty value",
                 "empty key and empty value", "key and value with all 256 byte values",
                 "non-ASCII header keys (Cyrillic, CJK, emoji, combining mark)",
                 "header keys needing JSON escaping (quote, backslash, \\b \\t \\n "
                 "\\f \\r, other control characters, '/' and DEL unescaped)",
                 "empty header key", "duplicate header keys",
                 "null, empty and non-UTF-8 header values",
                 "idempotent producer fields", "a record with 40 headers"])
    t = T0
    s.add(Batch([
        rec(0, t, b"user-0001", b"hello, kafscale",
            [("trace-id", b"50f5b870e4318f9f"), ("content-type", b"text/plain")]),
        rec(1, t + 22, None, b"a record with a null key"),
        rec(2, t + 47, b"user-0002", None, [("reason", b"deleted")]),
        rec(3, t + 83, b"user-0003", b""),
        rec(4, t + 120, b"", b"an empty key is not a null key"),
        rec(5, t + 121, b"", b""),
        rec(6, t + 121, None, None),
    ], leader_epoch=-1))
    s.add(Batch([
        rec(0, t + 200, b"bytes-in-order", ALL_BYTES, [("encoding", b"binary")]),
        rec(1, t + 230, ALL_BYTES[::-1], ALL_BYTES[128:] + ALL_BYTES[:128],
            [("encoding", b"binary, rotated")]),
        rec(2, t + 231, b"unicode-header-keys",
            "grüße, 世界 🌍".encode("utf-8"),
            [("ключ", "значение".encode()), ("键", "值".encode()),
             ("clé", b"valeur"), ("🔑", "🔒".encode()),
             ("e\u0301", b"combining acute")]),
        rec(3, t + 240, b"escaping-header-keys", b"keys that need JSON escaping",
            [('quote " backslash \\ tab \t', b"1"),
             ("bs\b ff\f nl\n cr\r", b"2"),
             ("ctl \x00 \x01 \x1b \x1f end", b"3"),
             ("slash / del \x7f stays", b"4"),
             ("", b"empty header key")]),
        rec(4, t + 260, b"header-values", b"null, empty and binary header values",
            [("present", b"yes"), ("null-value", None), ("empty-value", b""),
             ("binary-value", b"\x00\xff\xfe\x80\x7f"),
             ("not-utf8", b"\xc3\x28\xa0\xa1\xed\xa0\x80"),
             ("present", b"duplicate key")]),
        rec(5, t + 261, b"many-headers", b"forty headers",
            [("h%02d" % i, bytes([i]) * i) for i in range(40)]),
    ], producer_id=262064, producer_epoch=0, base_sequence=0))
    rng = random.Random(1)
    s.add(Batch(gen_records(rng, 8, t + 300), producer_id=262064,
                producer_epoch=0, base_sequence=6))
    return s


def codec_case(name, partition, base, variants, sizes, seed, desc, tests,
               interval=100, value_len=(200, 1500)):
    s = Segment(name, "events", partition, base, T0 + 50000 + partition, interval,
                desc, tests + ["null keys", "tombstones", "empty values",
                               "headers with null values"])
    rng = random.Random(seed)
    ts = T0 + partition * 1000000
    for i, (v, n) in enumerate(zip(variants, sizes)):
        recs = gen_records(rng, n, ts, value_len)
        ts = recs[-1]["ts"] + 5
        s.add(Batch(recs, v, producer_id=4000 + seed, leader_epoch=[0, -1, 3][i % 3]))
    return s


def raw_size(bt):
    return len(client_records(bt.records, False, -1, -1, -1))


def case_log_append_time():
    s = Segment("log_append_time", "clicks", 2, 0, T0 + 7000, 100,
                "CreateTime and LogAppendTime batches: in a LogAppendTime batch "
                "every record takes the batch maxTimestamp, whatever its own "
                "delta says.",
                ["CreateTime", "LogAppendTime (uncompressed and compressed)",
                 "LogAppendTime maxTimestamp below the record create times"])
    rng = random.Random(7)
    t = T0 + 5000
    s.add(Batch(gen_records(rng, 3, t)))
    b = s.add(Batch(gen_records(rng, 4, t + 1000), log_append_ts=t + 9999))
    b.origin = "client+broker"
    b = s.add(Batch(gen_records(rng, 6, t + 2000), "gzip", log_append_ts=t + 12345))
    b.origin = "client+broker"
    b = s.add(Batch(gen_records(rng, 3, t + 3000), "zstd", log_append_ts=t + 10))
    b.origin = "client+broker"
    s.add(Batch(gen_records(rng, 5, t + 4000), "lz4"))
    return s


def case_offset_gaps():
    s = Segment("offset_gaps", "compacted", 3, 1234567, T0 + 8000, 100,
                "A compacted topic: offsets within and between batches have "
                "gaps, a batch's lastOffsetDelta lies past its last record, a "
                "batch's first record is not at the batch base offset, and the "
                "segment does not start at 0.",
                ["offset gaps within a batch", "offset gaps between batches",
                 "lastOffsetDelta past the last record",
                 "first record not at the batch base offset",
                 "segment base offset not 0", "gaps in a compressed batch"])
    t = T0 + 8000
    r = lambda d, i: rec(d, t + i * 10, b"k%d" % d, b"v%d" % d)
    s.add(Batch([r(0, 0), r(2, 1), r(3, 2), r(7, 3), r(9, 4)]))
    b = s.add(Batch([r(0, 5), r(4, 6)], last_offset_delta=11), gap=17)
    b.origin = "client+broker"
    s.add(Batch([r(3, 7), r(5, 8), r(6, 9)], "snappy-xerial"), gap=2)
    s.add(Batch([r(2, 10), r(30, 11), r(31, 12)], "zstd"), gap=5)
    s.add(Batch([r(0, 13), r(1, 14), r(2, 15), r(3, 16)], "lz4"))
    return s


def control_batch(pid, epoch, commit, ts, coordinator_epoch=0):
    key = struct.pack(">hh", 0, 1 if commit else 0)
    value = struct.pack(">hi", 0, coordinator_epoch)
    bt = Batch(None, transactional=True, control=True, producer_id=pid,
               producer_epoch=epoch, base_sequence=-1, leader_epoch=0,
               control_records=[enc_record(0, 0, key, value, [])])
    bt.control_ts = ts
    bt.origin = "hand"
    return bt


def case_control_batch():
    s = Segment("control_batch", "payments", 5, 700, T0 + 9000, 2,
                "Transactional batches from two producers, each closed by a "
                "COMMIT marker (a control batch); the markers occupy offsets and "
                "count in the segment header, but are not data records. Index "
                "interval 2 puts index entries on control batches.",
                ["transactional batches", "control batches (COMMIT, ABORT markers)",
                 "control batch as the last batch", "index entry on a control batch"],
                notes={"717-718": "producer 5003's transaction, closed by an ABORT "
                       "marker at 719. dump-segment prints them: the spec only "
                       "says control records are not data; filtering aborted "
                       "transactions (read_committed) would be a separate feature."})
    rng = random.Random(9)
    t = T0 + 9000
    tx = dict(transactional=True, producer_epoch=1)
    s.add(Batch(gen_records(rng, 2, t), producer_id=5001, base_sequence=0, **tx))
    s.add(Batch(gen_records(rng, 3, t + 100), producer_id=5002, base_sequence=0, **tx))
    s.add(Batch(gen_records(rng, 6, t + 200), "zstd", producer_id=5001,
                base_sequence=2, **tx))
    s.add(control_batch(5001, 1, True, t + 300))
    s.add(Batch(gen_records(rng, 3, t + 400), producer_id=5002, base_sequence=3, **tx))
    s.add(control_batch(5002, 1, True, t + 500))
    s.add(Batch(gen_records(rng, 1, t + 600)))
    s.add(Batch(gen_records(rng, 2, t + 700), producer_id=5003, base_sequence=0, **tx))
    s.add(control_batch(5003, 1, False, t + 800, 7))
    return s


def case_large_values():
    s = Segment("large_values", "blobs", 7, 9000, T0 + 10000, 100,
                "Values of 100 KiB and more, one uncompressed and others "
                "compressed, next to small records.",
                ["100 KiB+ values", "value larger than a codec block",
                 "large uncompressed batch", "large key"])
    rng = random.Random(10)
    t = T0 + 10000
    big1 = text(rng, 100 * 1024)
    big2 = text(rng, 100 * 1024 + 17)
    big3 = bytes(rng.getrandbits(8) for _ in range(1024)) * 100 + b"end"
    s.add(Batch([rec(0, t, b"small", b"before"),
                 rec(1, t + 1, b"big-1", big1, [("size", b"102400")])], "zstd"))
    s.add(Batch([rec(0, t + 2, b"k" * 1000, big3)]))
    s.add(Batch([rec(0, t + 3, b"big-2", big2), rec(1, t + 4, None, b"after")],
                "lz4-checksums"))
    return s


def case_empty_data():
    s = Segment("empty_data", "payments", 8, 4242, T0 + 11000, 1,
                "A segment whose only batches are transaction markers: no data "
                "records, so expected.jsonl is empty.",
                ["segment with only control batches", "empty output"])
    s.add(control_batch(7001, 0, True, T0 + 11000))
    s.add(control_batch(7002, 0, False, T0 + 11001, 3))
    return s


def case_negative_timestamp():
    s = Segment("negative_timestamp", "legacy", 9, 100, T0 + 12000, 100,
                "Timestamps before the epoch, -1, and records whose timestamps "
                "go backwards (negative deltas).",
                ["negative firstTimestamp", "timestamp -1", "negative deltas",
                 "LogAppendTime with a negative maxTimestamp"])
    s.add(Batch([rec(0, -5000, b"a", b"1"), rec(1, -4999, b"b", b"2"),
                 rec(2, -1, b"c", b"3"), rec(3, 0, b"d", b"4"), rec(4, 1, b"e", b"5")]))
    s.add(Batch([rec(0, T0, b"f", b"6"), rec(1, T0 - 1000, b"g", b"7"),
                 rec(2, -86400000 * 365 * 30, b"h", b"8")], "gzip"))
    b = s.add(Batch([rec(0, 5, b"i", b"9"), rec(1, 6, b"j", b"10")],
                    log_append_ts=-2))
    b.origin = "client+broker"
    return s


def valid_cases():
    yield case_plain()
    big = ("a batch larger than one codec block", )
    yield codec_case("codec_gzip", 1, 0, ["gzip"] * 3, [3, 10, 40], 11,
                     "Three gzip batches.", ["gzip", big[0] + " (>32 KiB)"])
    yield codec_case("codec_snappy_xerial", 2, 1000, ["snappy-xerial"] * 3,
                     [3, 10, 125], 12,
                     "Three snappy batches in the xerial framing the Java client "
                     "writes; the large one holds several 32 KiB xerial blocks.",
                     ["snappy xerial framing", "several 32 KiB xerial blocks"])
    yield codec_case("codec_snappy_raw", 3, 2000, ["snappy-raw"] * 3, [3, 10, 40], 13,
                     "Three snappy batches as raw snappy blocks without framing "
                     "(as librdkafka and franz-go send them).",
                     ["raw snappy", big[0] + " (>32 KiB)"])
    yield codec_case("codec_lz4", 4, 3000, ["lz4", "lz4-checksums", "lz4"],
                     [3, 10, 90], 14,
                     "LZ4 frame batches: with content size and no checksums, and "
                     "without content size but with block and content checksums.",
                     ["lz4 frame", "optional LZ4 frame fields (content size, checksums)",
                      "several 64 KiB LZ4 blocks in one batch"])
    yield codec_case("codec_zstd", 5, 4000,
                     ["zstd", "zstd-stream", "zstd-stream-checksum", "zstd"],
                     [3, 10, 40, 5], 15,
                     "zstd batches with and without the frame content size "
                     "(streaming compressors leave it out) and with a content "
                     "checksum.",
                     ["zstd", "zstd frame without content size",
                      "zstd content checksum"])
    yield codec_case("codec_mixed", 6, 5000,
                     ["none", "gzip", "snappy-xerial", "lz4", "zstd", "snappy-raw",
                      "zstd-stream", "lz4-checksums", "zstd-stream-checksum", "none"],
                     [3, 10, 10, 10, 10, 10, 10, 10, 10, 5], 16,
                     "Every codec and framing in one segment, batch after batch; "
                     "index interval 20.",
                     ["mixed codecs in one segment", "index with several entries"],
                     interval=20, value_len=(20, 200))
    yield case_log_append_time()
    yield case_offset_gaps()
    yield case_control_batch()
    yield case_large_values()
    yield case_empty_data()
    yield case_negative_timestamp()


# --------------------------------------------------------- corrupt cases

def damaged(name, partition, desc):
    """The valid segment every corrupt case starts from: four batches
    (none, gzip, none, zstd), index interval 4 so every batch is indexed."""
    s = Segment(name, "damaged", partition, partition * 1000,
                T0 + 20000 + partition, 4, desc)
    rng = random.Random(100 + partition)
    t = T0 + partition * 100000
    s.add(Batch(gen_records(rng, 5, t, (10, 80))))
    s.add(Batch(gen_records(rng, 4, t + 1000, (10, 80)), "gzip"))
    s.add(Batch(gen_records(rng, 6, t + 2000, (10, 80))))
    s.add(Batch(gen_records(rng, 3, t + 3000, (10, 80)), "zstd"))
    return s


def hand_records(bt, **over):
    """Records section of an uncompressed batch encoded by hand; `over`
    maps a record index to enc_record keyword overrides."""
    t0 = bt.records[0]["ts"]
    out = []
    for i, r in enumerate(bt.records):
        out.append(enc_record(r["delta"], r["ts"] - t0, r["key"], r["value"],
                              r["headers"], **over.get(i, {})))
    return out


def layout(s, enc, count=None, last=None, created=None):
    """kfs bytes, index entries and batch positions for encoded batches."""
    enc, positions, counts, last_offset = s.build(enc)
    kfs = container(enc, s.base_offset, sum(counts) if count is None else count,
                    s.created if created is None else created,
                    last_offset if last is None else last)
    ents = index_entries([b.base_offset for b in s.batches], positions, counts,
                         s.interval)
    return kfs, ents, positions, last_offset


def prefix_len(record):
    """Bytes of the length varint that opens an encoded record."""
    n = 0
    while record[n] & 0x80:
        n += 1
    return n + 1


def where(s, positions, i):
    return "batch at byte %d (base offset %d)" % (positions[i], s.batches[i].base_offset)


def corrupt_cases():
    k = 0

    def nxt(name, desc):
        nonlocal k
        k += 1
        return damaged(name, 10 + k, desc)

    # --- container
    s = nxt("corrupt_segment_magic", "Segment header magic is not KAFS.")
    kfs, ents, pos, _ = layout(s, None)
    kfs = b"KAFZ" + kfs[4:]
    yield s, "segment_magic", kfs, index_bytes(ents, s.interval), \
        "header magic at byte 0 is 4b41465a (\"KAFZ\"), not 4b414653 (\"KAFS\")"

    s = nxt("corrupt_segment_version", "Segment header version is 2; only 1 exists.")
    kfs, ents, pos, _ = layout(s, None)
    kfs = kfs[:4] + struct.pack(">H", 2) + kfs[6:]
    yield s, "segment_version", kfs, index_bytes(ents, s.interval), \
        "header version at byte 4 is 2, not 1"

    s = nxt("corrupt_truncated", "The object was cut inside its last batch: "
            "there is no footer.")
    kfs, ents, pos, _ = layout(s, None)
    # Cut 20 bytes before the end of the last batch, so that every index
    # entry still points at a whole batch header inside the file.
    cut = len(kfs) - 16 - 20
    assert cut - 16 >= pos[3] + 61 + 16
    kfs = kfs[:cut]
    yield s, "footer", kfs, index_bytes(ents, s.interval), \
        "file is %d bytes and does not end with the END! footer (cut inside the " \
        "%s)" % (cut, where(s, pos, 3))

    s = nxt("corrupt_footer_magic", "The footer magic is \"END?\"; everything else "
            "is intact.")
    kfs, ents, pos, _ = layout(s, None)
    kfs = kfs[:-4] + b"END?"
    yield s, "footer_magic", kfs, index_bytes(ents, s.interval), \
        "footer magic at byte %d is 454e443f (\"END?\"), not 454e4421 (\"END!\")" \
        % (len(kfs) - 4)

    s = nxt("corrupt_segment_crc", "The footer CRC32C does not match the body; "
            "every batch is intact.")
    kfs, ents, pos, _ = layout(s, None)
    fpos = len(kfs) - 16
    good = struct.unpack(">I", kfs[fpos:fpos + 4])[0]
    bad = good ^ 0x00010000
    kfs = kfs[:fpos] + struct.pack(">I", bad) + kfs[fpos + 4:]
    yield s, "segment_crc", kfs, index_bytes(ents, s.interval), \
        "footer at byte %d stores body CRC32C 0x%08x, bytes 32 to %d hash to 0x%08x" \
        % (fpos, bad, fpos - 1, good)

    s = nxt("corrupt_last_offset", "The footer last offset is 3 past the last "
            "batch's last offset.")
    kfs, ents, pos, last = layout(s, None)
    kfs, ents, pos, _ = layout(s, None, last=last + 3)
    yield s, "last_offset", kfs, index_bytes(ents, s.interval), \
        "footer at byte %d says last offset %d, the last batch ends at offset %d" \
        % (len(kfs) - 16, last + 3, last)

    s = nxt("corrupt_message_count", "The segment header message count is one "
            "more than the records of the batches.")
    enc = [encode_batch(b) for b in s.batches]
    n = sum(batch_fields(b)[3] for b in s.batches)
    kfs, ents, pos, _ = layout(s, enc, count=n + 1)
    yield s, "message_count", kfs, index_bytes(ents, s.interval), \
        "header message count at byte 16 is %d, the batches hold %d records" % (n + 1, n)

    # --- batches
    s = nxt("corrupt_batch_crc", "One bit flipped inside a batch's records; the "
            "segment CRC was computed after the flip, so only the batch CRC "
            "catches it.")
    enc = [encode_batch(b) for b in s.batches]
    good = enc[2]
    flip = 61 + 25
    bad = bytearray(good)
    bad[flip] ^= 0x04
    enc[2] = bytes(bad)
    kfs, ents, pos, _ = layout(s, enc)
    yield s, "batch_crc", kfs, index_bytes(ents, s.interval), \
        "%s: stored CRC32C 0x%08x, bytes %d to %d hash to 0x%08x (bit flipped at " \
        "byte %d)" % (where(s, pos, 2), struct.unpack(">I", good[17:21])[0],
                      pos[2] + 21, pos[2] + len(bad) - 1, crc32c(bad[21:]),
                      pos[2] + flip)

    s = nxt("corrupt_batch_length", "The last batch's batchLength runs 100 bytes "
            "past the end of the body (into and past the footer).")
    enc = [encode_batch(b) for b in s.batches[:3]] + \
          [encode_batch(s.batches[3], length_extra=100)]
    kfs, ents, pos, _ = layout(s, enc)
    L = struct.unpack(">i", enc[3][8:12])[0]
    yield s, "batch_length", kfs, index_bytes(ents, s.interval), \
        "%s: batchLength %d ends at byte %d, past the end of the body at byte %d" \
        % (where(s, pos, 3), L, pos[3] + 12 + L, len(kfs) - 16)

    s = nxt("corrupt_batch_magic", "A batch has magic 1 (a v1 message set) instead "
            "of 2; its CRC is valid (the CRC does not cover the magic).")
    enc = [encode_batch(b, magic=1 if i == 2 else 2) for i, b in enumerate(s.batches)]
    kfs, ents, pos, _ = layout(s, enc)
    yield s, "batch_magic", kfs, index_bytes(ents, s.interval), \
        "%s: magic at byte %d is 1, not 2" % (where(s, pos, 2), pos[2] + 16)

    s = nxt("corrupt_codec", "A batch's attributes name codec 5, which does not "
            "exist (codec bits 0..2 only go to 4).")
    enc = [encode_batch(b, codec_bits=5 if i == 2 else None)
           for i, b in enumerate(s.batches)]
    kfs, ents, pos, _ = layout(s, enc)
    yield s, "codec", kfs, index_bytes(ents, s.interval), \
        "%s: attributes 0x0005 at byte %d name codec 5" % (where(s, pos, 2), pos[2] + 21)

    s = nxt("corrupt_record_count", "A batch header says 7 records but its records "
            "section holds 6 (the segment header counts the 7 the batch claims).")
    enc = [encode_batch(b, count=7 if i == 2 else None) for i, b in enumerate(s.batches)]
    n = sum(batch_fields(b)[3] for b in s.batches) + 1
    kfs, ents, pos, _ = layout(s, enc, count=n)
    yield s, "record_count", kfs, index_bytes(ents, s.interval), \
        "%s: recordCount at byte %d is 7, the records section ends after 6 records" \
        % (where(s, pos, 2), pos[2] + 57)

    s = nxt("corrupt_record_truncated", "The last record of an uncompressed batch "
            "is 3 bytes shorter than its length says; batchLength and CRC match "
            "the shortened bytes.")
    recs = hand_records(s.batches[2])
    assert b"".join(recs) == client_records(s.batches[2].records, False, -1, -1, -1)
    sec = b"".join(recs)[:-3]
    enc = [encode_batch(b, records_section=sec if i == 2 else None)
           for i, b in enumerate(s.batches)]
    kfs, ents, pos, _ = layout(s, enc)
    rpos = pos[2] + 61 + sum(len(r) for r in recs[:-1])
    yield s, "record_truncated", kfs, index_bytes(ents, s.interval), \
        "%s: the last record (record 5 counting from 0) at byte %d declares %d " \
        "bytes after its length varint, only %d bytes of the batch remain" \
        % (where(s, pos, 2), rpos, len(recs[-1]) - prefix_len(recs[-1]),
           pos[2] + len(enc[2]) - rpos - prefix_len(recs[-1]))

    s = nxt("corrupt_varint", "A record's timestampDelta is an 11-byte varint "
            "(ten continuation bytes), longer than any varlong; the record length "
            "counts it.")
    over = {2: {"ts_raw": b"\x80" * 10 + b"\x00"}}
    t0 = s.batches[2].records[0]["ts"]
    recs = [enc_record(r["delta"], r["ts"] - t0, r["key"], r["value"], r["headers"],
                       **over.get(i, {})) for i, r in enumerate(s.batches[2].records)]
    enc = [encode_batch(b, records_section=b"".join(recs) if i == 2 else None)
           for i, b in enumerate(s.batches)]
    kfs, ents, pos, _ = layout(s, enc)
    rpos = pos[2] + 61 + sum(len(r) for r in recs[:2])
    yield s, "varint", kfs, index_bytes(ents, s.interval), \
        "%s: record 2 (counting from 0) at byte %d: timestampDelta at byte %d is " \
        "a varint of more than 10 bytes" \
        % (where(s, pos, 2), rpos, rpos + prefix_len(recs[2]) + 1)

    s = nxt("corrupt_key_length", "A record in the middle of a batch declares a key "
            "longer than what is left of the record (but shorter than the rest of "
            "the batch).")
    bt = s.batches[2]
    r2 = bt.records[2]
    if r2["key"] is None:
        r2["key"] = b"user-x"
    t0 = bt.records[0]["ts"]
    plain = enc_record(r2["delta"], r2["ts"] - t0, r2["key"], r2["value"], r2["headers"])
    # bytes that follow the key inside the record
    after = len(plain) - plain.index(r2["key"], 4) - len(r2["key"])
    klen = len(r2["key"]) + after + 10
    over = {2: {"key_len": klen}}
    recs = [enc_record(r["delta"], r["ts"] - t0, r["key"], r["value"], r["headers"],
                       **over.get(i, {})) for i, r in enumerate(bt.records)]
    assert sum(len(r) for r in recs[3:]) > 10
    enc = [encode_batch(b, records_section=b"".join(recs) if i == 2 else None)
           for i, b in enumerate(s.batches)]
    kfs, ents, pos, _ = layout(s, enc)
    rpos = pos[2] + 61 + sum(len(r) for r in recs[:2])
    yield s, "key_length", kfs, index_bytes(ents, s.interval), \
        "%s: record 2 (counting from 0) at byte %d has %d bytes after its length " \
        "varint and declares a %d-byte key" \
        % (where(s, pos, 2), rpos, len(recs[2]) - prefix_len(recs[2]), klen)

    s = nxt("corrupt_decompress", "A gzip batch whose deflate stream is invalid "
            "(first block has the reserved block type 3); the batch CRC is "
            "computed over the damaged bytes.")
    bt = s.batches[1]
    z = bytearray(VARIANTS["gzip"][2](client_records(bt.records, False, -1, -1, -1)))
    assert z[3] == 0  # no FNAME etc.: deflate data starts at byte 10
    z[10] = (z[10] & ~0x07) | 0x07  # BFINAL=1, BTYPE=11 (reserved)
    enc = [encode_batch(b, records_section=bytes(z) if i == 1 else None)
           for i, b in enumerate(s.batches)]
    kfs, ents, pos, _ = layout(s, enc)
    yield s, "decompress", kfs, index_bytes(ents, s.interval), \
        "%s: gzip records section at byte %d: deflate block at byte %d has the " \
        "reserved block type 3" % (where(s, pos, 1), pos[1] + 61, pos[1] + 71)

    s = nxt("corrupt_decompression_bomb", "A zstd batch of 13 KB whose one record "
            "holds a 300 MiB value of zeros: it inflates past the 256 MiB "
            "decompression cap. Everything is otherwise valid.")
    bt = s.batches[3]
    bomb_len = 300 << 20
    body = b"\x00" + varint(0) + varint(0) + varint(-1) + varint(bomb_len)
    reclen = len(body) + bomb_len + 1
    c = zstandard.ZstdCompressor(level=3).compressobj()
    z = c.compress(varint(reclen) + body)
    chunk = bytes(1 << 20)
    for _ in range(bomb_len >> 20):
        z += c.compress(chunk)
    z += c.compress(b"\x00") + c.flush()
    bt.records = [rec(0, bt.records[0]["ts"], None, b"(300 MiB of zeros)")]
    enc = [encode_batch(b, records_section=z if i == 3 else None)
           for i, b in enumerate(s.batches)]
    kfs, ents, pos, _ = layout(s, enc)
    s.description = s.description.replace("13 KB", "%d KB" % (len(z) // 1000))
    yield s, "decompression_bomb", kfs, index_bytes(ents, s.interval), \
        "%s: zstd records section of %d bytes inflates to %d bytes, past the " \
        "256 MiB cap" % (where(s, pos, 3), len(z), reclen + len(varint(reclen)))

    # --- index
    s = nxt("corrupt_index_magic", "The segment is valid; its index magic is wrong.")
    kfs, ents, pos, _ = layout(s, None)
    idx = b"XDI\x00" + index_bytes(ents, s.interval)[4:]
    yield s, "index_magic", kfs, idx, \
        "index magic at byte 0 is 58444900 (\"XDI\\0\"), not 49445800 (\"IDX\\0\")"

    s = nxt("corrupt_index_size", "The index header says one entry more than the "
            "file holds.")
    kfs, ents, pos, _ = layout(s, None)
    idx = index_bytes(ents, s.interval, count=len(ents) + 1)
    yield s, "index_size", kfs, idx, \
        "index header says %d entries (%d bytes), the file is %d bytes" \
        % (len(ents) + 1, 16 + 12 * (len(ents) + 1), len(idx))

    s = nxt("corrupt_index_position", "An index entry points 7 bytes into a batch "
            "instead of at its start.")
    kfs, ents, pos, _ = layout(s, None)
    ents[1] = (ents[1][0], ents[1][1] + 7)
    yield s, "index_position", kfs, index_bytes(ents, s.interval), \
        "index entry 2 (offset %d) points at byte %d, inside the batch at byte %d" \
        % (ents[1][0], ents[1][1], ents[1][1] - 7)

    s = nxt("corrupt_index_position_end", "The last index entry points past the "
            "end of the segment.")
    kfs, ents, pos, _ = layout(s, None)
    ents[-1] = (ents[-1][0], len(kfs) + 1000)
    yield s, "index_position", kfs, index_bytes(ents, s.interval), \
        "index entry %d (offset %d) points at byte %d, the segment is %d bytes" \
        % (len(ents), ents[-1][0], len(kfs) + 1000, len(kfs))


# ------------------------------------------------------------------ main

README = """# Segment test vectors of iceberg-processor

Generated by `/usr/bin/python3 tests/data/gen_vectors.py` (deterministic;
do not edit by hand). Same layout and output format as the KafScale vectors
we were given: `<case>/segment-<20-digit base offset>.kfs` and `.index`,
`case.json` (what the case covers), and `expected.jsonl` (valid cases: one
JSON line per data record) or `expected.error` (corrupt cases: one line for
people; `case.json` `error_kind` names the defect class).

expected.jsonl lines are exactly

    {"offset":N,"timestamp":N,"key":B64|null,"value":B64|null,"headers":[{"key":"K","value":B64|null}]}

with standard padded base64 and header keys escaped as JSON requires and no
more (`\\"` `\\\\` `\\b` `\\t` `\\n` `\\f` `\\r`, other characters below U+0020 as
`\\u00xx`; non-ASCII as UTF-8; `/` and U+007F as they are). Control batches
print nothing. Each corrupt case has exactly one defect; every other length
and CRC is consistent.

tests/segment/it_vectors.sh runs `iceberg-processor dump-segment` over every
case. manifest.json lists the cases.
"""


FUZZ_SEGMENTS = ["plain", "codec_mixed", "log_append_time", "offset_gaps",
                 "control_batch", "empty_data", "negative_timestamp",
                 "corrupt_segment_magic", "corrupt_truncated", "corrupt_batch_crc",
                 "corrupt_batch_length", "corrupt_varint", "corrupt_key_length",
                 "corrupt_record_count", "corrupt_record_truncated", "corrupt_codec",
                 "corrupt_decompress", "corrupt_message_count"]
FUZZ_INDEXES = ["plain", "codec_mixed", "control_batch", "empty_data", "offset_gaps",
                "corrupt_index_magic", "corrupt_index_size", "corrupt_index_position",
                "corrupt_index_position_end"]


def seed_fuzz(out, root):
    """Copies small vectors into the fuzz seed corpora (fuzz/corpus/segment
    and fuzz/corpus/index), named after their case."""
    for sub, names, ext in (("segment", FUZZ_SEGMENTS, ".kfs"),
                            ("index", FUZZ_INDEXES, ".index")):
        d = os.path.join(root, "fuzz", "corpus", sub)
        os.makedirs(d, exist_ok=True)
        for n in names:
            src = [f for f in os.listdir(os.path.join(out, n)) if f.endswith(ext)][0]
            data = open(os.path.join(out, n, src), "rb").read()
            assert len(data) < 20000, (n, len(data))
            with open(os.path.join(d, "vec_" + n + ext), "wb") as f:
                f.write(data)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "segments")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    for s in valid_cases():
        s.write_valid(out)
    for s, kind, kfs, idx, error in corrupt_cases():
        s.write_corrupt(out, kind, kfs, idx, error)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"cases": MANIFEST}, f, indent=2, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(README)
    if len(sys.argv) == 1:  # the committed vectors: refresh the fuzz seeds too
        seed_fuzz(out, os.path.dirname(os.path.dirname(here)))
    total = 0
    for root, _, files in os.walk(out):
        total += sum(os.path.getsize(os.path.join(root, n)) for n in files)
    print("%d cases, %d bytes in %s" % (len(MANIFEST), total, out))


if __name__ == "__main__":
    main()
