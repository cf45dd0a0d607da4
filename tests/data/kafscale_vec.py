#!/usr/bin/python3
"""Encoders for the KafScale segment test vectors (used by gen_vectors.py).

- Records sections of valid batches come from kafka-python's
  DefaultRecordBatchBuilder (the client library), uncompressed; they are
  then compressed with the framing a case asks for (the xerial snappy
  framing through kafka-python's own snappy_encode), and the 61-byte batch
  header and its CRC32C are written here, so a case controls base offsets,
  leader epochs, LogAppendTime, control bits and framings that the client
  would pick for itself. Every valid batch is read back with kafka-python's
  DefaultRecordBatch (CRC and records compared with what went in).
- Control records, the KafScale container (.kfs header/body/footer), the
  .index and every corrupt byte are written here from the spec
  (/work/shared/spec/kafscale-formats.md), with a CRC32C of our own.
- expected.jsonl is printed from the records put in, never from a decoder.
"""
import base64
import gzip
import json
import os
import struct

import lz4.frame
import snappy
import zstandard
from kafka.codec import snappy_encode
from kafka.record.default_records import (DefaultRecordBatch,
                                          DefaultRecordBatchBuilder)
from kafka.record.util import calc_crc32c

# ---------------------------------------------------------------- CRC32C

def _crc_table():
    poly = 0x82F63B78
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    t = _CRC_TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# ------------------------------------------------------------ primitives

def zigzag(v):
    return (v << 1) ^ (v >> 63)


def varint(v):
    """Zigzag varint (int32 and int64 fields encode the same way)."""
    u = zigzag(v) & 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while u >= 0x80:
        out.append((u & 0x7F) | 0x80)
        u >>= 7
    out.append(u)
    return bytes(out)


def enc_record(delta, ts_delta, key, value, headers, ts_raw=None, key_len=None):
    """One record by hand (control records and corrupt cases).
    ts_raw replaces the timestampDelta varint bytes, key_len the declared
    key length, when given."""
    body = bytearray(b"\x00")
    body += ts_raw if ts_raw is not None else varint(ts_delta)
    body += varint(delta)
    if key is None:
        body += varint(-1)
    else:
        body += varint(len(key) if key_len is None else key_len) + key
    body += varint(-1) if value is None else varint(len(value)) + value
    body += varint(len(headers))
    for hk, hv in headers:
        hkb = hk.encode("utf-8") if isinstance(hk, str) else hk
        body += varint(len(hkb)) + hkb
        body += varint(-1) if hv is None else varint(len(hv)) + hv
    return varint(len(body)) + bytes(body)


def json_str(s):
    """A JSON string literal escaped exactly as the vectors README says."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def b64(v):
    return "null" if v is None else '"' + base64.b64encode(v).decode("ascii") + '"'


# ---------------------------------------------------------------- codecs

CODEC_BITS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}

VARIANTS = {
    # variant: (codec, framing description, compress function)
    "none": ("none", "uncompressed records", lambda d: d),
    "gzip": ("gzip", "one gzip member (RFC 1952), deflate level 9, MTIME 0",
             lambda d: gzip.compress(d, compresslevel=9, mtime=0)),
    "snappy-xerial": ("snappy", "xerial framing (kafka-python snappy_encode): "
                      "82 'SNAPPY' 00, int32 version 1, int32 compatible 1, "
                      "then [int32 length][raw snappy block] per 32 KiB of input",
                      lambda d: snappy_encode(d, xerial_compatible=True)),
    "snappy-raw": ("snappy", "one raw snappy block, no framing",
                   lambda d: snappy.compress(d)),
    "lz4": ("lz4", "LZ4 frame: independent 64 KiB blocks, content size present, "
            "no checksums",
            lambda d: lz4.frame.compress(
                d, block_size=lz4.frame.BLOCKSIZE_MAX64KB, block_linked=False,
                content_checksum=False, block_checksum=False, store_size=True)),
    "lz4-checksums": ("lz4", "LZ4 frame: independent 64 KiB blocks, block and "
                      "content checksums, no content size",
                      lambda d: lz4.frame.compress(
                          d, block_size=lz4.frame.BLOCKSIZE_MAX64KB,
                          block_linked=False, content_checksum=True,
                          block_checksum=True, store_size=False)),
    "zstd": ("zstd", "zstd frame with content size, no checksum",
             lambda d: zstandard.ZstdCompressor(level=3).compress(d)),
    "zstd-stream": ("zstd", "zstd frame without content size (streaming)",
                    lambda d: _zstd_stream(d, False)),
    "zstd-stream-checksum": ("zstd", "zstd frame without content size, with "
                             "content checksum",
                             lambda d: _zstd_stream(d, True)),
}


def _zstd_stream(data, checksum):
    c = zstandard.ZstdCompressor(level=3, write_checksum=checksum).compressobj()
    return c.compress(data) + c.flush()


# --------------------------------------------------------------- batches

HDR = struct.Struct(">qiibIhiqqqhii")  # the 61-byte RecordBatch v2 header


class Batch:
    """What goes into one batch. records: list of dicts with keys delta,
    ts, key, value, headers (header keys are str)."""

    def __init__(self, records, variant="none", log_append_ts=None,
                 transactional=False, control=False, producer_id=-1,
                 producer_epoch=-1, base_sequence=-1, leader_epoch=0,
                 last_offset_delta=None, control_records=None):
        self.records = records
        self.variant = variant
        self.log_append_ts = log_append_ts
        self.transactional = transactional
        self.control = control
        self.producer_id = producer_id
        self.producer_epoch = producer_epoch
        self.base_sequence = base_sequence
        self.leader_epoch = leader_epoch
        self.last_offset_delta = last_offset_delta
        self.control_records = control_records  # raw record bytes
        self.base_offset = None  # set when placed in a segment
        self.origin = "client"


def client_records(records, transactional, pid, pepoch, bseq):
    """Uncompressed records section as kafka-python encodes it."""
    b = DefaultRecordBatchBuilder(2, 0, transactional, pid, pepoch, bseq,
                                  1 << 30)
    for r in records:
        md = b.append(r["delta"], r["ts"], r["key"], r["value"],
                      list(r["headers"]))
        assert md is not None
    raw = bytes(b.build())
    return raw[HDR.size:]


def batch_fields(bt):
    """first/max timestamps, last offset delta, record count."""
    if bt.control:
        n = len(bt.control_records)
        first = maxts = bt.control_ts
        lod = n - 1
    else:
        n = len(bt.records)
        first = bt.records[0]["ts"]
        maxts = max(r["ts"] for r in bt.records)
        lod = bt.records[-1]["delta"]
    if bt.log_append_ts is not None:
        maxts = bt.log_append_ts
    if bt.last_offset_delta is not None:
        lod = bt.last_offset_delta
    return first, maxts, lod, n


def encode_batch(bt, records_section=None, magic=2, attrs_extra=0,
                 codec_bits=None, length_extra=0, count=None, crc_fix=None):
    """Batch bytes. The overrides make the corrupt cases (each keeps every
    other field and the CRC consistent)."""
    codec, _, fn = VARIANTS[bt.variant]
    if records_section is None:
        if bt.control:
            records_section = b"".join(bt.control_records)
        else:
            records_section = client_records(bt.records, bt.transactional,
                                             bt.producer_id, bt.producer_epoch,
                                             bt.base_sequence)
        records_section = fn(records_section)
    first, maxts, lod, n = batch_fields(bt)
    attrs = CODEC_BITS[codec] if codec_bits is None else codec_bits
    if bt.log_append_ts is not None:
        attrs |= 0x08
    if bt.transactional:
        attrs |= 0x10
    if bt.control:
        attrs |= 0x20
    attrs |= attrs_extra
    length = HDR.size - 12 + len(records_section)
    hdr = bytearray(HDR.pack(bt.base_offset, length + length_extra,
                             bt.leader_epoch, magic, 0, attrs, lod, first,
                             maxts, bt.producer_id, bt.producer_epoch,
                             bt.base_sequence, n if count is None else count))
    data = bytes(hdr) + records_section
    crc = crc32c(data[21:]) if crc_fix is None else crc_fix(data)
    return data[:17] + struct.pack(">I", crc) + data[21:]


def verify_batch(bt, data):
    """Reads a valid batch back with kafka-python and compares."""
    assert calc_crc32c(memoryview(data)[21:]) == crc32c(data[21:])
    kb = DefaultRecordBatch(data)
    assert kb.validate_crc(), "batch CRC"
    assert kb.base_offset == bt.base_offset
    if bt.control:
        return
    got = list(kb)
    assert len(got) == len(bt.records)
    for r, g in zip(bt.records, got):
        assert g.offset == bt.base_offset + r["delta"]
        ts = bt.log_append_ts if bt.log_append_ts is not None else r["ts"]
        assert g.timestamp == ts, (g.timestamp, ts)
        assert g.key == r["key"] and g.value == r["value"]
        want = [(k if isinstance(k, str) else k.decode("utf-8"), v)
                for k, v in r["headers"]]
        assert list(g.headers) == want


# -------------------------------------------------------------- segments

def container(batches_bytes, base_offset, msg_count, created, last_offset):
    body = b"".join(batches_bytes)
    header = b"KAFS" + struct.pack(">HHqiqI", 1, 0, base_offset, msg_count,
                                   created, 0)
    footer = struct.pack(">Iq", crc32c(body), last_offset) + b"END!"
    return header + body + footer


def index_entries(offsets, positions, counts, interval):
    """An entry for the first batch, then for the next batch once at least
    `interval` messages were written since the last entry."""
    out, since = [], 0
    for i, (o, p, c) in enumerate(zip(offsets, positions, counts)):
        if i == 0 or since >= interval:
            out.append((o, p))
            since = 0
        since += c
    return out


def index_bytes(entries, interval, count=None):
    n = len(entries) if count is None else count
    out = b"IDX\x00" + struct.pack(">HiiH", 1, n, interval, 0)
    for o, p in entries:
        out += struct.pack(">qi", o, p)
    return out


class Segment:
    """Places batches at offsets and writes the files of one case."""

    def __init__(self, name, topic, partition, base_offset, created,
                 interval=100, description="", tests=(), notes=None):
        self.name, self.topic, self.partition = name, topic, partition
        self.base_offset, self.created, self.interval = base_offset, created, interval
        self.description, self.tests, self.notes = description, list(tests), notes
        self.batches = []
        self.next_offset = base_offset

    def add(self, bt, gap=0):
        bt.base_offset = self.next_offset + gap
        _, _, lod, _ = batch_fields(bt)
        self.next_offset = bt.base_offset + lod + 1
        self.batches.append(bt)
        return bt

    # layout of the valid form of the segment
    def build(self, encoded=None):
        enc = encoded or [encode_batch(b) for b in self.batches]
        positions, pos = [], 32
        for e in enc:
            positions.append(pos)
            pos += len(e)
        counts = [batch_fields(b)[3] for b in self.batches]
        last = self.batches[-1]
        last_offset = last.base_offset + batch_fields(last)[2]
        return enc, positions, counts, last_offset

    def expected(self):
        lines = []
        for bt in self.batches:
            if bt.control:
                continue
            for r in bt.records:
                ts = bt.log_append_ts if bt.log_append_ts is not None else r["ts"]
                hs = ",".join(
                    '{"key":%s,"value":%s}' % (
                        json_str(k if isinstance(k, str) else k.decode("utf-8")),
                        b64(v)) for k, v in r["headers"])
                lines.append('{"offset":%d,"timestamp":%d,"key":%s,"value":%s,'
                             '"headers":[%s]}\n' % (bt.base_offset + r["delta"], ts,
                                                    b64(r["key"]), b64(r["value"]), hs))
        return "".join(lines)

    def files(self):
        seg = "segment-%020d.kfs" % self.base_offset
        idx = "segment-%020d.index" % self.base_offset
        return seg, idx

    def case_json(self, kfs, idx, extra):
        seg, idxf = self.files()
        codecs, variants = [], []
        for b in self.batches:
            c = VARIANTS[b.variant][0]
            if c not in codecs:
                codecs.append(c)
            if b.variant not in variants:
                variants.append(b.variant)
        j = {
            "name": self.name,
            "valid": extra.get("valid", True),
            "description": self.description,
            "tests": self.tests,
            "topic": self.topic,
            "partition": self.partition,
            "segment_key": "%s/%d/%s" % (self.topic, self.partition, seg),
            "index_key": "%s/%d/%s" % (self.topic, self.partition, idxf),
            "segment_file": seg,
            "index_file": idxf,
            "segment_bytes": len(kfs),
            "base_offset": self.base_offset,
            "codecs": codecs,
            "codec_variants": variants,
            "record_count": sum(batch_fields(b)[3] for b in self.batches),
        }
        j.update({k: v for k, v in extra.items() if k != "valid"})
        return j

    def write_valid(self, outdir):
        enc, positions, counts, last_offset = self.build()
        for bt, e in zip(self.batches, enc):
            verify_batch(bt, e)
        total = sum(counts)
        kfs = container(enc, self.base_offset, total, self.created, last_offset)
        ents = index_entries([b.base_offset for b in self.batches], positions,
                             counts, self.interval)
        idx = index_bytes(ents, self.interval)
        exp = self.expected()
        batches = []
        for bt, e, p, c in zip(self.batches, enc, positions, counts):
            _, _, lod, _ = batch_fields(bt)
            codec, framing, _ = VARIANTS[bt.variant]
            batches.append({
                "position": p, "bytes": len(e), "base_offset": bt.base_offset,
                "last_offset_delta": lod, "record_count": c,
                "data_records": 0 if bt.control else len(bt.records),
                "codec": codec, "variant": bt.variant, "framing": framing,
                "timestamp_type": "LogAppendTime" if bt.log_append_ts is not None
                else "CreateTime",
                "transactional": bt.transactional, "control": bt.control,
                "producer_id": bt.producer_id,
                "partition_leader_epoch": bt.leader_epoch, "origin": bt.origin,
            })
        extra = {
            "last_offset": last_offset, "created_ms": self.created,
            "index_interval": self.interval, "index_entries": len(ents),
            "expected_file": "expected.jsonl",
            "data_records": exp.count("\n"), "batches": batches,
        }
        if self.notes:
            extra["notes"] = self.notes
        write_case(outdir, self, kfs, idx, self.case_json(kfs, idx, extra),
                   "expected.jsonl", exp)

    def write_corrupt(self, outdir, kind, kfs, idx, error):
        extra = {"valid": False, "expected_file": "expected.error",
                 "error_kind": kind, "error": error}
        self.tests = ["corrupt: " + kind]
        write_case(outdir, self, kfs, idx, self.case_json(kfs, idx, extra),
                   "expected.error", error + "\n")


def write_case(outdir, seg, kfs, idx, cj, expname, exptext):
    d = os.path.join(outdir, seg.name)
    os.makedirs(d)
    sname, iname = seg.files()
    with open(os.path.join(d, sname), "wb") as f:
        f.write(kfs)
    with open(os.path.join(d, iname), "wb") as f:
        f.write(idx)
    with open(os.path.join(d, "case.json"), "w", encoding="utf-8") as f:
        json.dump(cj, f, indent=2, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(d, expname), "w", encoding="utf-8", newline="\n") as f:
        f.write(exptext)
    MANIFEST.append({"name": seg.name, "valid": cj["valid"],
                     "description": seg.description})


MANIFEST = []
