"""Checks of tests/maint/it_compact.sh, read with Debian's python3-avro
(independently of the processor's Avro code).

  compact_check.py live METADATA_FILE
      -> JSON: {"current": id, "operation": op, "summary": {...},
                "files": [{"path", "spec", "partition", "records",
                           "size", "sort_order_id"}...]}  (live data files)
  compact_check.py check BEFORE.json AFTER.json METADATA_FILE MIN_FILES TARGET
      asserts: the current snapshot is a replace whose parent is BEFORE's,
      kafscale.offsets unchanged, every entry the current snapshot
      DELETED is one of BEFORE's files with its sequence number kept, the summary counts agree, every (spec, partition) group of at
      least MIN_FILES small files (< 75% of TARGET) was compacted (fewer
      files), the others untouched, and the rows per group unchanged.
"""
import json, os, sys
import warnings
warnings.simplefilter("ignore")
from avro.datafile import DataFileReader
from avro.io import DatumReader


S3_ROOT = os.environ.get("COMPACT_S3_ROOT")  # s3://b/k is read at S3_ROOT/b/k


def path(u):
    if S3_ROOT and u.startswith("s3://"):
        return S3_ROOT + "/" + u[len("s3://"):]
    return u[len("file://"):] if u.startswith("file://") else u


def snapshot(meta, sid):
    return next(s for s in meta["snapshots"] if s["snapshot-id"] == sid)


def entries(meta, sid):
    s = snapshot(meta, sid)
    for m in DataFileReader(open(path(s["manifest-list"]), "rb"), DatumReader()):
        for e in DataFileReader(open(path(m["manifest_path"]), "rb"), DatumReader()):
            yield m, e


def live(meta_file):
    meta = json.load(open(meta_file))
    cur = meta["current-snapshot-id"]
    s = snapshot(meta, cur)
    files = []
    for m, e in entries(meta, cur):
        if e["status"] == 2:
            continue
        d = e["data_file"]
        files.append({"path": d["file_path"], "spec": m["partition_spec_id"],
                      "partition": json.dumps(d["partition"], sort_keys=True, default=str),
                      "records": d["record_count"], "size": d["file_size_in_bytes"],
                      "sort_order_id": d.get("sort_order_id")})
    return {"current": cur, "operation": s["summary"]["operation"], "summary": s["summary"],
            "files": files}


def groups(files):
    g = {}
    for f in files:
        g.setdefault((f["spec"], f["partition"]), []).append(f)
    return g


def check(before, after, meta_file, min_files, target):
    meta = json.load(open(meta_file))
    cur = meta["current-snapshot-id"]
    s = snapshot(meta, cur)
    assert s["summary"]["operation"] == "replace", s["summary"]
    assert s["parent-snapshot-id"] == before["current"], (s["parent-snapshot-id"], before["current"])
    assert s["summary"].get("kafscale.offsets") == before["summary"].get("kafscale.offsets"), \
        (s["summary"].get("kafscale.offsets"), before["summary"].get("kafscale.offsets"))
    old = {f["path"]: f for f in before["files"]}
    deleted = 0
    for m, e in entries(meta, cur):
        if e["status"] != 2 or e["snapshot_id"] != cur:
            continue  # live, or deleted by an earlier snapshot
        deleted += 1
        assert e["data_file"]["file_path"] in old, e["data_file"]["file_path"]
        assert e["sequence_number"] is not None and e["sequence_number"] < s["sequence-number"]
    sm = s["summary"]
    assert int(sm["deleted-data-files"]) == deleted, (sm, deleted)
    assert int(sm["added-records"]) == int(sm["deleted-records"]), sm
    assert sm["total-records"] == before["summary"]["total-records"], sm
    gb, ga = groups(before["files"]), groups(after["files"])
    compacted = 0
    for k, fs in gb.items():
        small = [f for f in fs if f["size"] < target * 3 // 4]
        got = ga.get(k, [])
        assert sum(f["records"] for f in got) == sum(f["records"] for f in fs), k
        if len(small) >= min_files:
            assert len(got) < len(fs), ("not compacted", k, len(fs), len(got))
            compacted += 1
        else:
            assert sorted(f["path"] for f in got) == sorted(f["path"] for f in fs), ("touched", k)
    assert compacted > 0, "no group compacted"
    print("compaction ok: %d groups compacted, %d files deleted, %d -> %d live files"
          % (compacted, deleted, len(before["files"]), len(after["files"])))


if sys.argv[1] == "live":
    json.dump(live(sys.argv[2]), sys.stdout)
elif sys.argv[1] == "check":
    check(json.load(open(sys.argv[2])), json.load(open(sys.argv[3])), sys.argv[4],
          int(sys.argv[5]), int(sys.argv[6]))
else:
    sys.exit("usage: compact_check.py live|check ...")
