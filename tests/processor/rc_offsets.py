#!/usr/bin/python3
"""Prints, one per line, the offsets of the data records that a Kafka
consumer with isolation.level=read_committed would see in one partition
directory of complete KafScale segments (.kfs with its .index and END!).

Independent of the processor: batches are parsed by kafka-python's
DefaultRecordBatch. Rules (Kafka's): a transactional data batch of a
producer opens its transaction unless one is open; that producer's
control batch with an epoch >= the open one's closes it (COMMIT keeps,
ABORT drops its batches); control records are never data; nothing at or
past the first offset of a transaction still open at the end is seen.
Usage: rc_offsets.py PARTITION_DIR"""
import os
import re
import struct
import sys

from kafka.record.default_records import DefaultRecordBatch

d = sys.argv[1]
segs = []
for f in os.listdir(d):
    m = re.fullmatch(r"segment-(\d+)\.kfs", f)
    if m and os.path.exists(os.path.join(d, f[:-4] + ".index")):
        data = open(os.path.join(d, f), "rb").read()
        if len(data) >= 48 and data[-4:] == b"END!":
            segs.append((int(m.group(1)), data))
segs.sort()
# the reader stops at the first incomplete segment: so do we
batches = []
for _, data in segs:
    pos, end = 32, len(data) - 16
    while pos < end:
        (length,) = struct.unpack(">i", data[pos + 8:pos + 12])
        batches.append(DefaultRecordBatch(bytes(data[pos:pos + 12 + length])))
        pos += 12 + length

open_txn, fate, owner = {}, {}, []
for b in batches:
    pid, epoch = b._header_data[9], b._header_data[10]
    txn = None
    if b.is_transactional and not b.is_control_batch:
        if pid not in open_txn:
            open_txn[pid] = (b.base_offset, epoch)
        txn = (pid, open_txn[pid][0])
    elif b.is_transactional and b.is_control_batch and pid in open_txn:
        first, e = open_txn[pid]
        if epoch >= e:
            key = next(iter(b)).key
            kind = struct.unpack(">h", key[2:4])[0]
            fate[(pid, first)] = {0: "abort", 1: "commit"}.get(kind)
            if kind in (0, 1):
                del open_txn[pid]
    owner.append(txn)
lso = min([f for f, _ in open_txn.values()], default=None)
for b, txn in zip(batches, owner):
    if b.is_control_batch or (lso is not None and b.base_offset >= lso):
        continue
    if txn is not None and fate.get(txn) != "commit":
        continue
    for r in b:
        print(r.offset)
