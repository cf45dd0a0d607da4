#!/usr/bin/python3
"""Gives a table of the SQL catalog a new default partition spec, as
another engine (Spark's ALTER TABLE ... ADD PARTITION FIELD) would: a new
metadata version with the spec added (fields given as NAME=TRANSFORM(COLUMN)
with identity/bucket[N]/truncate[W]/void, or none: unpartitioned), made the
default, last-partition-id raised; the catalog pointer is moved to it.
Usage: spec_evolve.py CATALOG.db NS.TABLE [NAME=TRANSFORM(COLUMN) ...]"""
import json
import os
import re
import sqlite3
import sys
import uuid


def main():
    db, table, fields = sys.argv[1], sys.argv[2], sys.argv[3:]
    ns, name = table.rsplit(".", 1)
    con = sqlite3.connect(db)
    loc = con.execute("SELECT metadata_location FROM iceberg_tables WHERE table_namespace=? "
                      "AND table_name=?", (ns, name)).fetchone()[0]
    path = loc[len("file://"):]
    meta = json.load(open(path))
    schema = next(s for s in meta["schemas"] if s["schema-id"] == meta["current-schema-id"])
    ids = {f["name"]: f["id"] for f in schema["fields"]}
    last = meta.get("last-partition-id", 999)
    specs = meta["partition-specs"]
    spec = {"spec-id": max(s["spec-id"] for s in specs) + 1, "fields": []}
    for f in fields:
        m = re.fullmatch(r"(\w+)=([\w\[\]]+)\((\w+)\)", f)
        last += 1
        spec["fields"].append({"name": m.group(1), "transform": m.group(2),
                               "source-id": ids[m.group(3)], "field-id": last})
    specs.append(spec)
    meta["default-spec-id"] = spec["spec-id"]
    meta["last-partition-id"] = last
    meta.setdefault("metadata-log", []).append(
        {"timestamp-ms": meta["last-updated-ms"], "metadata-file": loc})
    n = int(os.path.basename(path).split("-", 1)[0]) + 1
    new = os.path.join(os.path.dirname(path), "%05d-%s.metadata.json" % (n, uuid.uuid4()))
    json.dump(meta, open(new, "w"))
    con.execute("UPDATE iceberg_tables SET metadata_location=?, previous_metadata_location=? "
                "WHERE table_namespace=? AND table_name=?", ("file://" + new, loc, ns, name))
    con.commit()
    print(spec["spec-id"])


if __name__ == "__main__":
    main()
