#!/usr/bin/python3
"""Checks a partitioned table against the Iceberg spec's rules, computed
here independently (murmur3 from Appendix B, the transforms' definitions,
Appendix D bounds), not by the processor's code:

  partition_check.py METADATA_JSON ROWS_JSON EXPR...

ROWS_JSON: DuckDB rows [file, field values in the order of the EXPRs'
source columns (timestamps as epoch micros, binaries as hex)...] for every row of every data file of the table; EXPR:
"day:event_time" style pairs (transform[:param]:column) in spec order,
for the table's CURRENT default spec.

Checks, for every data file added under the current default spec:
  - the manifest (read with python3-avro) has the partition record with
    field ids from 1000 in spec order, and the file's tuple equals the
    transform of each of its rows (all rows of a file share one tuple);
  - the file's path holds the partition path (name=value/...);
  - each manifest list entry's partition summaries: contains_null and the
    lower/upper bounds (Appendix D bytes) are the min/max of its files'
    tuples.
Prints a summary line: files, tuples."""
import datetime, json, struct, sys, warnings
warnings.filterwarnings("ignore")  # python3-avro: "Unknown map" logical type notes
from avro.datafile import DataFileReader
from avro.io import DatumReader


def murmur3_32(data, seed=0):
    c1, c2 = 0xcc9e2d51, 0x1b873593
    h = seed
    n = len(data) // 4
    for i in range(n):
        k = struct.unpack_from("<I", data, 4 * i)[0]
        k = (k * c1) & 0xffffffff
        k = ((k << 15) | (k >> 17)) & 0xffffffff
        k = (k * c2) & 0xffffffff
        h ^= k
        h = ((h << 13) | (h >> 19)) & 0xffffffff
        h = (h * 5 + 0xe6546b64) & 0xffffffff
    tail = data[4 * n:]
    k = 0
    if len(tail) >= 3:
        k ^= tail[2] << 16
    if len(tail) >= 2:
        k ^= tail[1] << 8
    if len(tail) >= 1:
        k ^= tail[0]
        k = (k * c1) & 0xffffffff
        k = ((k << 15) | (k >> 17)) & 0xffffffff
        k = (k * c2) & 0xffffffff
        h ^= k
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85ebca6b) & 0xffffffff
    h ^= h >> 13
    h = (h * 0xc2b2ae35) & 0xffffffff
    h ^= h >> 16
    return h


# the spec's published examples (Appendix B)
assert murmur3_32(struct.pack("<q", 34)) == 2017239379
assert murmur3_32("iceberg".encode()) == 1210000089
assert murmur3_32(bytes([0, 1, 2, 3])) == (-188683207) & 0xffffffff
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def transform(tr, param, kind, v):
    if v is None or tr == "void":
        return None
    if kind == "binary" and isinstance(v, str):
        v = bytes.fromhex(v)  # DuckDB's hex(col)
    if tr == "identity":
        return v
    if tr == "bucket":
        if kind in ("int", "long"):
            b = struct.pack("<q", v)
        elif kind == "string":
            b = v.encode()
        else:
            b = bytes(v)
        return (murmur3_32(b) & 0x7fffffff) % param
    if tr == "truncate":
        if kind in ("int", "long"):
            return v - (v % param)
        return v[:param]
    us = v  # timestamps as micros
    if tr == "hour":
        return us // 3600000000
    if tr == "day":
        return us // 86400000000
    d = EPOCH + datetime.timedelta(microseconds=us)
    if tr == "month":
        return (d.year - 1970) * 12 + d.month - 1
    if tr == "year":
        return d.year - 1970
    raise SystemExit("transform " + tr)


def human(tr, kind, v):
    if v is None:
        return "null"
    if tr == "day":
        return (datetime.date(1970, 1, 1) + datetime.timedelta(days=v)).isoformat()
    if tr == "hour":
        d = EPOCH + datetime.timedelta(hours=v)
        return d.strftime("%Y-%m-%d-%H")
    if tr == "month":
        return "%04d-%02d" % (1970 + v // 12, v % 12 + 1)
    return str(v)


def ser(kind_out, v):  # Appendix D
    if kind_out in ("int", "date"):
        return struct.pack("<i", v)
    if kind_out == "long":
        return struct.pack("<q", v)
    if kind_out == "string":
        return v.encode()
    return bytes(v)


meta = json.load(open(sys.argv[1]))
rows = json.load(open(sys.argv[2]))
exprs = []
for e in sys.argv[3:]:
    parts = e.split(":")
    tr, col = parts[0], parts[-1]
    param = int(parts[1]) if len(parts) == 3 else None
    exprs.append((tr, param, col))
schema = [s for s in meta["schemas"] if s["schema-id"] == meta["current-schema-id"]][0]
types = {f["name"]: f["type"] for f in schema["fields"]}
ids = {f["name"]: f["id"] for f in schema["fields"]}
spec = [s for s in meta["partition-specs"] if s["spec-id"] == meta["default-spec-id"]][0]
assert len(spec["fields"]) == len(exprs), spec
for f, (tr, param, col) in zip(spec["fields"], exprs):
    want = tr if param is None else "%s[%d]" % (tr, param)
    assert f["transform"] == want and f["source-id"] == ids[col], (f, want)
    assert f["field-id"] >= 1000, f
kinds = []
for tr, param, col in exprs:
    k = types[col]
    kinds.append("long" if k in ("timestamptz", "timestamp") else k)
out_kind = ["int" if tr in ("bucket", "hour", "day", "month", "year") else k
            for (tr, _, _), k in zip(exprs, kinds)]

# expected tuple per data file, from its rows
by_file = {}
for r in rows:
    fname, vals = r[0], r[1:]
    tup = tuple(transform(tr, p, k, v) for (tr, p, _), k, v in zip(exprs, kinds, vals))
    by_file.setdefault(fname, set()).add(tup)

snap = next(s for s in meta["snapshots"] if s["snapshot-id"] == meta["current-snapshot-id"])
lst = list(DataFileReader(open(snap["manifest-list"][len("file://"):], "rb"), DatumReader()))
n_files = 0
tuples = set()
for entry in lst:
    if entry["partition_spec_id"] != spec["spec-id"]:
        continue
    rdr = DataFileReader(open(entry["manifest_path"][len("file://"):], "rb"), DatumReader())
    assert json.loads(rdr.get_meta("partition-spec"))[0]["field-id"] == spec["fields"][0]["field-id"]
    # the partition record's field ids (Avro schema attribute field-id)
    sch = json.loads(rdr.get_meta("avro.schema"))
    df = next(f for f in sch["fields"] if f["name"] == "data_file")["type"]
    prec = next(f for f in df["fields"] if f["name"] == "partition")["type"]
    got_ids = [f["field-id"] for f in prec["fields"]]
    assert got_ids == [f["field-id"] for f in spec["fields"]], (got_ids, spec)
    file_tuples = []
    for e in rdr:
        d = e["data_file"]
        path = d["file_path"][len("file://"):]
        vals = []
        for f in spec["fields"]:
            v = d["partition"][f["name"]]
            if isinstance(v, datetime.date):
                v = (v - datetime.date(1970, 1, 1)).days
            vals.append(v)
        tup = tuple(vals)
        assert path in by_file, ("manifest names a file DuckDB did not read", path)
        assert len(by_file[path]) == 1, ("a data file mixes tuples", path, by_file[path])
        want = next(iter(by_file[path]))
        assert tup == want, ("partition tuple", path, tup, want)
        seg = "/".join("%s=%s" % (f["name"], human(tr, k, v))
                       for f, (tr, _, _), k, v in zip(spec["fields"], exprs, kinds, tup))
        assert "/data/" + seg + "/" in path, (seg, path)
        file_tuples.append(tup)
        tuples.add(tup)
        n_files += 1
    if not file_tuples:
        continue
    summ = entry["partitions"]
    assert len(summ) == len(spec["fields"]), summ
    for i, s in enumerate(summ):
        col = [t[i] for t in file_tuples]
        nn = [v for v in col if v is not None]
        assert s["contains_null"] == (len(nn) < len(col)), (s, col)
        if nn:
            assert s["lower_bound"] == ser(out_kind[i], min(nn)), (i, s, min(nn))
            assert s["upper_bound"] == ser(out_kind[i], max(nn)), (i, s, max(nn))
assert n_files > 0, "no data file in the current spec"
print("partitioned ok: %d files in spec %d, %d tuples" % (n_files, spec["spec-id"], len(tuples)))
