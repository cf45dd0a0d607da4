#!/usr/bin/python3
"""Checks the current snapshot of a table after one merge-append commit
(it_manifest_merge.sh), reading every manifest with python3-avro:
  - the manifest list has exactly WANT entries, all data manifests;
  - every live data file is listed once, their number is FILES;
  - each list entry's counts match its manifest's entries (ADDED entries
    are this snapshot's, EXISTING ones are explicit: snapshot id and
    sequence numbers set), min_sequence_number is its entries' minimum;
  - the sequence numbers a reader resolves for each data file (inherited
    from the list entry when null) are the ones SEQS (JSON, path ->
    [data seq, file seq]) recorded when the file was first seen: merging
    never changes them. SEQS is updated with the new files.
Prints the live data file paths, one a line.
Usage: merge_check.py METADATA.json WANT FILES SEQS.json"""
import json
import os
import sys

from avro.datafile import DataFileReader
from avro.io import DatumReader


def local(u):
    return u[len("file://"):] if u.startswith("file://") else u


def avro(path):
    with open(local(path), "rb") as f:
        return list(DataFileReader(f, DatumReader()))


def main():
    meta_path, want, n_files, seqs_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    meta = json.load(open(meta_path))
    seqs = json.load(open(seqs_path)) if os.path.exists(seqs_path) else {}
    cur = meta["current-snapshot-id"]
    snap = next(s for s in meta["snapshots"] if s["snapshot-id"] == cur)
    lst = avro(snap["manifest-list"])
    assert len(lst) == want, ("manifest list entries", len(lst), "want", want,
                              [m["manifest_path"] for m in lst])
    live = []
    for m in lst:
        assert m["content"] == 0, m
        assert m["partition_spec_id"] == meta["default-spec-id"], m
        entries = avro(m["manifest_path"])
        added = [e for e in entries if e["status"] == 1]
        existing = [e for e in entries if e["status"] == 0]
        assert len(added) + len(existing) == len(entries), "a DELETED entry was kept"
        assert m["added_files_count"] == len(added), (m, len(added))
        assert m["existing_files_count"] == len(existing), (m, len(existing))
        assert m["added_rows_count"] == sum(e["data_file"]["record_count"] for e in added)
        assert m["existing_rows_count"] == sum(e["data_file"]["record_count"] for e in existing)
        dseqs = []
        for e in entries:
            if e["status"] == 1 and m["added_snapshot_id"] == cur:
                assert e["snapshot_id"] == cur, e
            if e["status"] == 0:
                assert e["snapshot_id"] is not None and e["sequence_number"] is not None, e
                assert e["file_sequence_number"] is not None, e
            sid = e["snapshot_id"] if e["snapshot_id"] is not None else m["added_snapshot_id"]
            ds = e["sequence_number"] if e["sequence_number"] is not None else m["sequence_number"]
            fs = (e["file_sequence_number"] if e["file_sequence_number"] is not None
                  else m["sequence_number"])
            dseqs.append(ds)
            path = e["data_file"]["file_path"]
            got = [ds, fs, sid, e["data_file"]["record_count"], e["data_file"]["file_size_in_bytes"],
                   sorted(map(tuple, (kv.values() for kv in e["data_file"]["column_sizes"] or [])))]
            if path in seqs:
                assert seqs[path] == json.loads(json.dumps(got)), ("changed", path, seqs[path], got)
            else:
                assert sid == cur, ("a file first seen in an older snapshot", path)
                seqs[path] = got
            live.append(path)
        assert m["min_sequence_number"] == min(dseqs), (m, dseqs)
    assert len(live) == len(set(live)), "a data file is listed twice"
    assert len(live) == n_files, ("live data files", len(live), "want", n_files)
    json.dump(seqs, open(seqs_path, "w"))
    for p in live:
        print(local(p))


if __name__ == "__main__":
    main()
