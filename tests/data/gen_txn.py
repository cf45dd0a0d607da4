#!/usr/bin/python3
"""Test data for transactions (read_committed / read_uncommitted), untrusted
segment metadata (footer, header, .index disagreeing with the batches) and
stalled partitions (issue 14).

    /usr/bin/python3 tests/data/gen_txn.py OUTDIR CASE     (one CASE, or a group:
                                                          txn, mismatch, stall)

lays out under OUTDIR the local object store of the config that
tests/processor/lib.sh write_config makes (endpoint file://OUTDIR/segments,
bucket "bucket", namespace "prod"):

    OUTDIR/segments/bucket/prod/<topic>/<partition>/segment-<20 digits>.kfs|.index
    OUTDIR/phase2/bucket/prod/...   objects that arrive later: the test copies
                                    them over segments/ between two runs
                                    (they may replace a phase-1 object)
    OUTDIR/expected-<case>.json     what must be in the table, per phase
    OUTDIR/records-<case>.jsonl     every data record of the case, in the
                                    line format of tools/iceberg-check.mjs

expected-<case>.json:
    {"case", "topic", "partition", "description",
     "objects": {"<key under bucket/>": "what is odd about it", ...},
     "phases": [  # cumulative state after phase 1, then after phase 2
       {"read_committed": [offsets], "read_uncommitted": [offsets],
        "aborted_records": N,          # records of aborted transactions
        "stable_offset": N | null,     # LSO: first offset of the oldest open txn
        "open_transactions": [{"producer_id", "producer_epoch", "first_offset"}],
        "last_offset": N,              # last offset of complete segments
        "mismatch": ["footer_last_offset", ...]}]}   # kinds a reader must report

How the bytes are made: data batches are built whole by kafka-python's
DefaultRecordBatchBuilder (transactional ones with is_transactional=True,
a producer id, epoch and per-(producer, epoch) base sequence), then only
the base offset (bytes 0-7, outside the batch CRC) is set; each is read back
by kafka-python's DefaultRecordBatch, and the uncompressed ones are checked
byte for byte against kafscale_vec.encode_batch. Control batches, the .kfs
container and the .index come from kafscale_vec / gen_vectors. Expected
offsets come from what each case declares (which transaction a batch
belongs to and how it ends), never from a decoder.
"""
import json
import os
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

from kafka.record.default_records import (DefaultRecordBatch,  # noqa: E402
                                          DefaultRecordBatchBuilder)

from gen_vectors import T0, control_batch, gen_records  # noqa: E402
from kafscale_vec import (Batch, Segment, batch_fields, container,  # noqa: E402
                          encode_batch, index_bytes, index_entries,
                          verify_batch)

import random  # noqa: E402

KAFKA_CODEC = {"none": 0, "gzip": 1, "zstd": 4}


# ------------------------------------------------------------- encoding

def kp_encode(bt):
    """A data batch as kafka-python builds it, moved to bt.base_offset."""
    codec = KAFKA_CODEC[bt.variant]
    b = DefaultRecordBatchBuilder(2, codec, bt.transactional, bt.producer_id,
                                  bt.producer_epoch, bt.base_sequence, 1 << 30)
    for r in bt.records:
        assert b.append(r["delta"], r["ts"], r["key"], r["value"],
                        list(r["headers"])) is not None
    raw = bytearray(b.build())
    raw[0:8] = struct.pack(">q", bt.base_offset)  # not covered by the CRC
    data = bytes(raw)
    kb = DefaultRecordBatch(data)
    assert kb.validate_crc()
    assert kb.is_transactional == bt.transactional and not kb.is_control_batch
    assert kb.compression_type == codec, "kafka-python sent it uncompressed"
    h = DefaultRecordBatch.HEADER_STRUCT.unpack_from(data)
    assert (h[9], h[10], h[11]) == (bt.producer_id, bt.producer_epoch,
                                    bt.base_sequence), h
    verify_batch(bt, data)
    if codec == 0:
        assert data == encode_batch(bt), "kafka-python and kafscale_vec disagree"
    return data


def encode(bt):
    if bt.control:
        data = encode_batch(bt)
        verify_batch(bt, data)
        kb = DefaultRecordBatch(data)
        assert kb.is_control_batch and kb.is_transactional
        return data
    return kp_encode(bt)


# ------------------------------------------------------------ a partition

class Txn:
    def __init__(self, part, pid, epoch):
        self.part, self.pid, self.epoch = part, pid, epoch
        self.first_offset = None
        self.first_phase = None
        self.end = None  # (phase, "commit"|"abort")

    def send(self, n, variant="none"):
        p = self.part
        key = (self.pid, self.epoch)
        seq = p.seq.get(key, 0)
        bt = p.add(Batch(p.records(n, variant), variant, transactional=True,
                         producer_id=self.pid, producer_epoch=self.epoch,
                         base_sequence=seq), self)
        p.seq[key] = seq + n
        if self.first_offset is None:
            self.first_offset, self.first_phase = bt.base_offset, p.phase
        return bt

    def commit(self, epoch=None):
        self._end(True, epoch)

    def abort(self, epoch=None):
        self._end(False, epoch)

    def _end(self, commit, epoch):
        p = self.part
        p.ts += 10
        p.add(control_batch(self.pid, self.epoch if epoch is None else epoch,
                            commit, p.ts, 3), None)
        self.end = (p.phase, "commit" if commit else "abort")


class Part:
    """One topic-partition of a case: segments in order, each batch tagged
    with the transaction it belongs to (None: not transactional)."""

    def __init__(self, case, topic, partition, seed, description):
        self.case, self.topic, self.partition = case, topic, partition
        self.description = description
        self.rng = random.Random(seed)
        self.ts = T0 + seed * 100000
        self.next = 0
        self.phase = 1
        self.segs = []      # [phase, Segment, damage dict]
        self.cur = None
        self.seq = {}
        self.owner = []     # (offset, txn or None, phase) per data record
        self.txns = []
        self.pid_next = 1000 + seed * 10

    def records(self, n, variant):
        vl = (200, 400) if variant != "none" else (10, 60)
        recs = gen_records(self.rng, n, self.ts, vl)
        self.ts = recs[-1]["ts"] + 1
        return recs

    def segment(self, phase=1, gap=0, **damage):
        self.phase = phase
        s = Segment("%s-%d" % (self.case, len(self.segs)), self.topic,
                    self.partition, self.next + gap, T0 + len(self.segs), 1)
        self.cur = s
        self.segs.append([phase, s, damage])
        return s

    def add(self, bt, txn):
        self.cur.add(bt)
        self.next = self.cur.next_offset
        if not bt.control:
            for r in bt.records:
                self.owner.append((bt.base_offset + r["delta"], txn, self.phase))
        return bt

    def plain(self, n, variant="none"):
        return self.add(Batch(self.records(n, variant), variant), None)

    def txn(self, epoch=0, pid=None):
        if pid is None:
            pid = self.pid_next
            self.pid_next += 1
        t = Txn(self, pid, epoch)
        self.txns.append(t)
        return t

    # -------------------------------------------------------- expectations
    def state(self, phase):
        def status(t):
            if t.end and t.end[0] <= phase:
                return t.end[1]
            return "open" if t.first_phase is not None and t.first_phase <= phase else None
        open_tx = [t for t in self.txns if status(t) == "open"]
        lso = min((t.first_offset for t in open_tx), default=None)
        recs = [(o, t) for o, t, ph in self.owner if ph <= phase]
        rc = [o for o, t in recs
              if (lso is None or o < lso) and (t is None or status(t) == "commit")]
        ru = [o for o, _ in recs]
        aborted = sum(1 for _, t in recs if t is not None and status(t) == "abort")
        segs = [s for ph, s, d in self.segs if ph <= phase]
        last = max(s.next_offset - 1 for s in segs)
        kinds = sorted({k for ph, s, d in self.segs if ph <= phase
                        for k in d.get("kinds", ())})
        return {"read_committed": rc, "read_uncommitted": ru,
                "aborted_records": aborted, "stable_offset": lso,
                "open_transactions": [{"producer_id": t.pid, "producer_epoch": t.epoch,
                                       "first_offset": t.first_offset}
                                      for t in sorted(open_tx, key=lambda t: t.first_offset)],
                "last_offset": last, "mismatch": kinds}

    # -------------------------------------------------------------- files
    def write(self, outdir):
        objects = {}
        for phase, s, d in self.segs:
            root = os.path.join(outdir, "segments" if phase == 1 else "phase2", "bucket")
            enc, positions, counts, last = s.build([encode(b) for b in s.batches])
            kfs = container(enc, d.get("header_base", s.base_offset),
                            d.get("header_count", sum(counts)), s.created,
                            d.get("footer_last", last))
            ents = index_entries([b.base_offset for b in s.batches], positions,
                                 counts, s.interval)
            idx = index_bytes(ents, s.interval)
            how = d.get("index")
            if how == "magic":
                idx = b"XDI\x00" + idx[4:]
            elif how == "position":   # every entry after the first 7 bytes late
                idx = index_bytes([ents[0]] + [(o, p + 7) for o, p in ents[1:]],
                                  s.interval)
            elif how == "offsets":    # each entry names the batch one later
                idx = index_bytes([(o, positions[min(i + 1, len(positions) - 1)])
                                   for i, (o, _) in enumerate(ents)], s.interval)
            elif how == "empty":
                idx = b""
            if d.get("kfs") == "nofooter":  # still being uploaded: cut in the last batch
                kfs = kfs[:len(kfs) - 16 - 5]
            rel = "prod/%s/%d/segment-%020d" % (self.topic, self.partition, s.base_offset)
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel + ".kfs"), "wb") as f:
                f.write(kfs)
            if how != "missing":
                with open(os.path.join(root, rel + ".index"), "wb") as f:
                    f.write(idx)
            note = d.get("note")
            objects[("phase2/" if phase == 2 else "") + rel] = {
                "base_offset": s.base_offset, "last_offset": last,
                "records": sum(counts), "footer_last_offset": d.get("footer_last", last),
                "header_base_offset": d.get("header_base", s.base_offset),
                "header_message_count": d.get("header_count", sum(counts)),
                "index": how or "ok", "kfs": d.get("kfs", "ok"), "note": note}
        phases = [self.state(ph) for ph in sorted({ph for ph, _, _ in self.segs})]
        if hasattr(self, "stall"):
            phases[0].update(self.stall)
        exp = {"case": self.case, "topic": self.topic, "partition": self.partition,
               "description": self.description, "objects": objects,
               "phases": phases}
        with open(os.path.join(outdir, "expected-%s.json" % self.case), "w") as f:
            json.dump(exp, f, indent=1)
            f.write("\n")
        seen = set()  # a segment given twice (a later, whole form) counts once
        with open(os.path.join(outdir, "records-%s.jsonl" % self.case), "w") as f:
            for phase, s, d in self.segs:
                for line in s.expected().splitlines():
                    r = json.loads(line)
                    if r["offset"] in seen:
                        continue
                    seen.add(r["offset"])
                    f.write(json.dumps({"topic": self.topic, "partition": self.partition,
                                        **r}) + "\n")


# ------------------------------------------------------ transaction cases

def case_abort_in_segment(topic="orders", partition=0):
    p = Part("abort_in_segment", topic, partition, 1,
             "One segment: an aborted transaction of producer A with "
             "non-transactional records before, between and after its "
             "batches, and producer B's committed transaction inside it.")
    p.segment()
    p.plain(3)
    a, b = p.txn(0), p.txn(0)
    a.send(4)
    p.plain(2)
    b.send(2)
    a.send(3)
    b.commit()
    p.plain(1)
    a.abort()
    p.plain(3)
    return p


def case_abort_spanning(topic="orders", partition=1):
    p = Part("abort_spanning", topic, partition, 2,
             "Producer A's transaction spans two segments, its ABORT marker in "
             "the second; producer B commits a transaction interleaved with it "
             "in the first segment.")
    p.segment()
    p.plain(2)
    a, b = p.txn(1), p.txn(1)
    a.send(3)
    b.send(2)
    a.send(2)
    b.commit()
    p.plain(1)
    p.segment()
    a.send(2)
    p.plain(2)
    a.abort()
    p.plain(2)
    return p


def case_interleaved(topic="orders", partition=2):
    p = Part("interleaved", topic, partition, 3,
             "Producers A and B send alternating batches; A commits, B aborts; "
             "non-transactional batches in between; two segments.")
    p.segment()
    a, b = p.txn(2), p.txn(5)
    for i in range(3):
        a.send(2 + i)
        b.send(3)
        if i == 1:
            p.plain(1)
    p.segment()
    a.send(1)
    b.send(2)
    a.commit()
    p.plain(2)
    b.abort()
    p.plain(1)
    return p


def case_epoch_bump(topic="orders", partition=3):
    p = Part("epoch_bump", topic, partition, 4,
             "One producer id across epochs: a transaction at epoch 3 aborted "
             "by a marker of epoch 3; the next, at epoch 4, committed; then one "
             "at epoch 4 aborted by a marker of the bumped epoch 5 (the "
             "coordinator's timeout abort: applies to epochs <= 5); then one at "
             "epoch 5 committed.")
    p.segment()
    pid = 4242
    t1 = p.txn(3, pid)
    t1.send(3)
    p.plain(1)
    t1.abort()
    t2 = p.txn(4, pid)
    t2.send(2)
    t2.send(2)
    t2.commit()
    p.segment()
    t3 = p.txn(4, pid)
    t3.send(3)
    p.plain(2)
    t3.abort(epoch=5)
    t4 = p.txn(5, pid)
    t4.send(2)
    t4.commit()
    p.plain(1)
    return p


def case_compressed(topic="orders", partition=4):
    p = Part("compressed", topic, partition, 5,
             "Compressed transactional batches: producer A's zstd batches "
             "committed, producer B's gzip batch aborted, a gzip "
             "non-transactional batch between.")
    p.segment()
    a, b = p.txn(0), p.txn(0)
    a.send(6, "zstd")
    b.send(5, "gzip")
    p.plain(4, "gzip")
    a.send(4, "zstd")
    b.abort()
    a.commit()
    p.plain(2)
    return p


def case_open_txn(topic="payments", partition=0):
    p = Part("open_txn", topic, partition, 6,
             "Phase 1 (two segments) ends with producer A's transaction open "
             "since offset 5 (the LSO) and producer C's open since 15; "
             "non-transactional records and producer B's committed transaction "
             "after the LSO must wait. Phase 2 adds a segment with A's COMMIT "
             "and C's ABORT.")
    p.segment()
    p.plain(5)
    a, b, c = p.txn(0), p.txn(0), p.txn(0)
    a.send(3)
    p.plain(2)
    p.segment()
    p.plain(2)
    b.send(2)
    b.commit()
    c.send(2)
    p.plain(2)
    p.segment(phase=2)
    a.send(2)
    a.commit()
    c.abort()
    p.plain(3)
    return p


def case_uncommitted():
    p = case_abort_spanning("clicks", 0)
    p.case = "uncommitted"
    p.description = ("abort_spanning's data on clicks/0, whose mapping sets "
                     "isolation_level: read_uncommitted.")
    return p


# ---------------------------------------------------------- mismatch cases

def three(case, partition, seed, description, middle=None, phase=1, later=None):
    """Segments 0, 10 and 20 of 10 records each (batches of 2, 3, 5); the
    middle one gets `middle` (damage), the last one `later`."""
    p = Part(case, "orders", partition, seed, description)
    for i in range(3):
        d = dict(middle or {}) if i == 1 else dict(later or {}) if i == 2 else {}
        p.segment(phase=d.pop("phase", phase), **d)
        p.plain(2)
        p.plain(3)
        p.plain(5)
    return p


def case_footer_below_base():
    return three("footer_below_base", 0, 11,
                 "Three segments of 10 records; the middle one's footer says "
                 "last offset 9, below its own base 10.",
                 {"footer_last": 9, "kinds": ["footer_last_offset"]})


def case_footer_above_last():
    return three("footer_above_last", 1, 12,
                 "Three segments of 10 records; the middle one's footer says "
                 "last offset 26 (its batches end at 19, the next segment "
                 "starts at 20).",
                 {"footer_last": 26, "kinds": ["footer_last_offset"]})


def case_header_base():
    return three("header_base", 2, 13,
                 "Three segments of 10 records; the middle one's header says "
                 "base offset 13, its name and first batch say 10.",
                 {"header_base": 13, "kinds": ["header_base_offset"]})


def case_header_count():
    return three("header_count", 3, 14,
                 "Three segments of 10 records; the middle one's header says "
                 "25 records, its batches hold 10.",
                 {"header_count": 25, "kinds": ["header_message_count"]})


def case_index_full_read():
    return three("index_full_read", 4, 15,
                 "Three segments of 10 records read from their start; the "
                 "middle one's .index has a bad magic. Nothing needs the "
                 "index here, so nothing may be lost (a warning is allowed, "
                 "not required).",
                 {"index": "magic"})


def resume_case(case, partition, seed, how, description):
    """Phase 1: segment 0 (0-9) and a first upload of segment 10 holding only
    10-14, both complete: a run commits through 14. Phase 2 replaces segment
    10 by its full form (10-29, batches of 5) with a damaged .index: a
    restarted processor resumes at 15, inside segment 10, and must not use
    the index blindly."""
    p = Part(case, "orders", partition, seed, description)
    p.segment()
    p.plain(5)
    p.plain(5)
    p.segment(note="phase-1 form: only 10-14")
    p.plain(5)
    full = Segment("%s-full" % case, "orders", partition, 10, T0 + 99, 1)
    p.segs.append([2, full, {"index": how, "kinds": ["index"],
                             "note": "replaces the phase-1 form; resumed at 15"}])
    for bt in p.cur.batches:   # same batch, same bytes
        full.add(bt)
    p.cur, p.phase = full, 2
    for _ in range(3):
        p.plain(5)
    return p


def case_resume_index_magic():
    return resume_case("resume_index_magic", 5, 16, "magic",
                       "Resumed inside a segment whose .index has a bad magic.")


def case_resume_index_position():
    return resume_case("resume_index_position", 6, 17, "position",
                       "Resumed inside a segment whose .index entries (but the "
                       "first) point 7 bytes into their batches.")


def case_resume_index_offsets():
    return resume_case("resume_index_offsets", 7, 18, "offsets",
                       "Resumed inside a segment whose .index entries each "
                       "point at the batch after the one they name (a reader "
                       "trusting it starts at 20 and loses 15-19).")


def case_resume_index_empty():
    return resume_case("resume_index_empty", 8, 19, "empty",
                       "Resumed inside a segment whose .index is an empty "
                       "object (0 bytes).")


# ------------------------------------------------------------- stall cases

def case_stall_index():
    p = three("stall_index", 0, 21,
              "Segments 0, 10, 20 complete except segment 10's .index, "
              "which arrives in phase 2 (its .kfs is whole).",
              {"index": "missing", "note": "no .index until phase 2"})
    _again(p, 1, {"note": "the .index (and the same .kfs) arrive"})
    return p


def case_stall_footer():
    p = three("stall_footer", 1, 22,
              "Segments 0, 10, 20 complete except that segment 10's .kfs is "
              "cut before its END! footer (upload in progress, .index "
              "present); the whole .kfs arrives in phase 2.",
              {"kfs": "nofooter", "note": "cut before the footer until phase 2"})
    _again(p, 1, {"note": "the whole .kfs arrives"})
    return p


def _again(p, i, damage):
    """Phase 2 holds segment i again, undamaged (the same batches)."""
    _, s, d = p.segs[i]
    again = Segment(s.name + "-again", s.topic, s.partition, s.base_offset, s.created, 1)
    for bt in s.batches:
        again.batches.append(bt)
    again.next_offset = s.next_offset
    d.pop("kinds", None)
    p.segs.append([2, again, damage])
    # Phase 1 of a stall case: the partition waits at segment 10, so only
    # segment 0 (0-9) can be in the table, while segment 20's 10 offsets
    # lie beyond the gap.
    p.stall = {"read_committed": list(range(10)), "read_uncommitted": list(range(10)),
               "last_offset": 29, "offsets_beyond_gap": 10,
               "stalled_on": "prod/orders/%d/segment-%020d.kfs" % (p.partition, 10)}


CASES = {
    "abort_in_segment": case_abort_in_segment,
    "abort_spanning": case_abort_spanning,
    "interleaved": case_interleaved,
    "epoch_bump": case_epoch_bump,
    "compressed": case_compressed,
    "open_txn": case_open_txn,
    "uncommitted": case_uncommitted,
    "footer_below_base": case_footer_below_base,
    "footer_above_last": case_footer_above_last,
    "header_base": case_header_base,
    "header_count": case_header_count,
    "index_full_read": case_index_full_read,
    "resume_index_magic": case_resume_index_magic,
    "resume_index_position": case_resume_index_position,
    "resume_index_offsets": case_resume_index_offsets,
    "resume_index_empty": case_resume_index_empty,
    "stall_index": case_stall_index,
    "stall_footer": case_stall_footer,
}
GROUPS = {
    "txn": ["abort_in_segment", "abort_spanning", "interleaved", "epoch_bump",
            "compressed", "open_txn", "uncommitted"],
    "mismatch": ["footer_below_base", "footer_above_last", "header_base",
                 "header_count", "index_full_read", "resume_index_magic",
                 "resume_index_position", "resume_index_offsets",
                 "resume_index_empty"],
    "stall": ["stall_index", "stall_footer"],
}


def main():
    if len(sys.argv) != 3 or (sys.argv[2] not in CASES and sys.argv[2] not in GROUPS):
        sys.exit("usage: gen_txn.py OUTDIR CASE|%s (cases: %s)"
                 % ("|".join(GROUPS), " ".join(CASES)))
    out = sys.argv[1]
    names = GROUPS.get(sys.argv[2], [sys.argv[2]])
    os.makedirs(out, exist_ok=True)
    for n in names:
        p = CASES[n]()
        p.write(out)
        print("%s: %s/%d" % (n, p.topic, p.partition))


if __name__ == "__main__":
    main()
