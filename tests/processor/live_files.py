#!/usr/bin/env python3
"""live_files.py METADATA.json -> the current snapshot's live data files,
as a DuckDB list literal ('a.parquet','b.parquet'); empty when none.
Manifests are read with Debian's python3-avro (an independent reader)."""
import json
import sys
import warnings

warnings.simplefilter("ignore")
from avro.datafile import DataFileReader  # noqa: E402
from avro.io import DatumReader  # noqa: E402


def local(u):
    return u[len("file://"):] if u.startswith("file://") else u


def avro(p):
    with open(local(p), "rb") as f:
        return list(DataFileReader(f, DatumReader()))


m = json.load(open(sys.argv[1]))
cur = m.get("current-snapshot-id")
snaps = [x for x in m.get("snapshots", []) if x["snapshot-id"] == cur]
files = []
if snaps:
    # live entries only: a replace snapshot keeps its inputs as DELETED
    files = [local(e["data_file"]["file_path"]) for l in avro(snaps[0]["manifest-list"])
             for e in avro(l["manifest_path"]) if e["status"] != 2]
print(",".join("'%s'" % f for f in files))
