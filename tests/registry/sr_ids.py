#!/usr/bin/python3
"""Field ids of an evolved table (it_sr_evolve.sh).

  sr_ids.py METADATA.json PARQUET_SCHEMA.json N_SCHEMAS

METADATA.json: the table's current metadata. PARQUET_SCHEMA.json: DuckDB
rows [file_name, name, field_id] of parquet_schema() over the live files.
Asserts: the metadata holds N_SCHEMAS schemas; a field path present in
two schemas has the same id in both; a path new in a schema has an id
above every id of the schemas before it; in every data file each field
id names the field the current schema gives that id (ids never move),
and the files written under the current schema hold all its ids."""
import collections
import json
import sys


def paths(t, prefix, out):
    if isinstance(t, str):
        return
    k = t["type"]
    if k == "struct":
        for f in t["fields"]:
            p = prefix + f["name"]
            out[p] = (f["id"], f["name"])
            paths(f["type"], p + ".", out)
    elif k == "list":
        out[prefix + "element"] = (t["element-id"], "element")
        paths(t["element"], prefix + "element.", out)
    elif k == "map":
        out[prefix + "key"] = (t["key-id"], "key")
        out[prefix + "value"] = (t["value-id"], "value")
        paths(t["key"], prefix + "key.", out)
        paths(t["value"], prefix + "value.", out)


m = json.load(open(sys.argv[1]))
pq = json.load(open(sys.argv[2]))
want_n = int(sys.argv[3])
schemas = sorted(m["schemas"], key=lambda s: s["schema-id"])
assert len(schemas) == want_n, ("schemas", [s["schema-id"] for s in schemas], want_n)
seen, top = {}, 0
for s in schemas:
    ps = {}
    paths({"type": "struct", "fields": s["fields"]}, "", ps)
    for p, (i, _) in ps.items():
        if p in seen:
            assert seen[p] == i, ("id of %s moved" % p, seen[p], i)
        else:
            assert i > top, ("new field %s has an old id" % p, i, top)
    for p, (i, _) in ps.items():
        seen[p] = i
    top = max([top] + [i for i, _ in ps.values()])
cur = [s for s in schemas if s["schema-id"] == m["current-schema-id"]][0]
ps = {}
paths({"type": "struct", "fields": cur["fields"]}, "", ps)
by_id = {i: n for i, n in ps.values()}
files = collections.defaultdict(dict)
for f, name, fid in pq:
    assert fid in by_id and by_id[fid] == name, ("file %s: field id %s is %r, the table says %r"
                                                 % (f, fid, name, by_id.get(fid)))
    files[f][fid] = name
full = [f for f, ids in files.items() if set(ids) == set(by_id)]
assert full, ("no file has every field of the current schema", {f: sorted(i) for f, i in files.items()})
print("field ids ok: %d schemas, %d files, %d ids" % (len(schemas), len(files), len(by_id)))
