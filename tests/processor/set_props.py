#!/usr/bin/python3
"""Sets table properties of a table of the SQL catalog, as another engine
(ALTER TABLE ... SET TBLPROPERTIES) would: a new metadata version with the
properties set; the catalog pointer is moved to it.
Usage: set_props.py CATALOG.db NS.TABLE KEY=VALUE..."""
import json
import os
import sqlite3
import sys
import uuid


def main():
    db, table, kvs = sys.argv[1], sys.argv[2], sys.argv[3:]
    ns, name = table.rsplit(".", 1)
    con = sqlite3.connect(db)
    loc = con.execute("SELECT metadata_location FROM iceberg_tables WHERE table_namespace=? "
                      "AND table_name=?", (ns, name)).fetchone()[0]
    path = loc[len("file://"):]
    meta = json.load(open(path))
    props = meta.setdefault("properties", {})
    for kv in kvs:
        k, v = kv.split("=", 1)
        props[k] = v
    meta.setdefault("metadata-log", []).append(
        {"timestamp-ms": meta["last-updated-ms"], "metadata-file": loc})
    n = int(os.path.basename(path).split("-", 1)[0]) + 1
    new = os.path.join(os.path.dirname(path), "%05d-%s.metadata.json" % (n, uuid.uuid4()))
    json.dump(meta, open(new, "w"))
    con.execute("UPDATE iceberg_tables SET metadata_location=?, previous_metadata_location=? "
                "WHERE table_namespace=? AND table_name=?", ("file://" + new, loc, ns, name))
    con.commit()


if __name__ == "__main__":
    main()
