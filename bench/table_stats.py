#!/usr/bin/python3
"""One point of the table-health curve (bench/run_maintenance.sh), read
with python3-avro from the table's current metadata file:
  metadata.json bytes, snapshots kept, manifests in the current snapshot,
  live data files (and their bytes), files under the table directory and
  under its data/ directory, and how many files under the table directory
  its metadata names (current file, metadata log, every kept snapshot's
  manifest list, manifests and data files).
Prints one JSON object.
Usage: table_stats.py CATALOG.db NS.NAME [--current-only]"""
import json
import os
import sqlite3
import sys
import warnings

from avro.datafile import DataFileReader
from avro.io import DatumReader

warnings.simplefilter("ignore")  # avro: "Unknown map, using array"


def local(u):
    for p in ("file://", "file:"):
        if u.startswith(p):
            return u[len(p):]
    return u


def avro(path):
    with open(local(path), "rb") as f:
        return list(DataFileReader(f, DatumReader()))


def main():
    db, table = sys.argv[1], sys.argv[2]
    ns, name = table.rsplit(".", 1)
    (loc,) = sqlite3.connect(db).execute(
        "SELECT metadata_location FROM iceberg_tables WHERE table_namespace=? AND table_name=?",
        (ns, name)).fetchone()
    meta_path = local(loc)
    meta = json.load(open(meta_path))
    cur = meta.get("current-snapshot-id")
    manifests = live = live_bytes = 0
    if cur is not None and cur != -1:
        snap = next(s for s in meta["snapshots"] if s["snapshot-id"] == cur)
        lst = avro(snap["manifest-list"])
        manifests = len(lst)
        for m in lst:
            for e in avro(m["manifest_path"]):
                if e["status"] != 2:
                    live += 1
                    live_bytes += e["data_file"]["file_size_in_bytes"]
    # what the table's metadata names: the current file, the metadata
    # log, and every kept snapshot's list, manifests and data files
    # (quadratic in snapshots: skipped with --current-only)
    named = {os.path.realpath(meta_path)}
    every = "--current-only" not in sys.argv
    named.update(os.path.realpath(local(e["metadata-file"])) for e in meta.get("metadata-log", []))
    for snap in meta.get("snapshots", []) if every else []:
        named.add(os.path.realpath(local(snap["manifest-list"])))
        for m in avro(snap["manifest-list"]):
            named.add(os.path.realpath(local(m["manifest_path"])))
            for e in avro(m["manifest_path"]):
                named.add(os.path.realpath(local(e["data_file"]["file_path"])))
    root = local(meta["location"])
    on_disk = [os.path.realpath(os.path.join(d, f)) for d, _, fs in os.walk(root) for f in fs]
    files = len(on_disk)
    referenced = sum(1 for f in on_disk if f in named) if every else -1
    data_files = sum(len(fs) for _, _, fs in os.walk(os.path.join(root, "data")))
    print(json.dumps({"metadata_bytes": os.path.getsize(meta_path),
                      "snapshots": len(meta.get("snapshots", [])),
                      "manifests": manifests, "live_files": live,
                      "live_bytes": live_bytes, "files": files,
                      "data_files": data_files,
                      "referenced": referenced}))


main()
