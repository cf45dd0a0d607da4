#!/usr/bin/env bash
# Partitioned manifests against Debian's python3-avro:
# 1. ice_manifest_gen part writes a manifest of spec 3 (eight partition
#    fields: day, identity string, bucket, decimal, float, a column whose
#    name is not a valid Avro name, uuid, timestamptz) and its manifest
#    list; python3-avro checks the partition record's Avro schema (names,
#    field ids, logical types), the decoded tuples, the file metadata and
#    the list's field summaries (exact serialized bounds).
# 2. python3-avro writes a partitioned manifest as Iceberg Java lays it out
#    (date int, string, decimal as bytes, a fixed named type used twice, a
#    long) and our reader must expose each tuple in Appendix D form.
# 3. python3-avro writes a v2 manifest list with non-empty partition
#    summaries (as Spark leaves them); our writer carries the entries into a
#    child list and every summary must come back equal.
set -euo pipefail
bin_dir=$(cd "$(dirname "$1")" && pwd)
helper="$bin_dir/ice_manifest_gen"
[ -x "$helper" ] || { echo "it_partition: $helper not built"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/icp-ice-part.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$helper" part "$work"

/usr/bin/python3 - "$work" "$helper" <<'PY'
import datetime, decimal, json, math, os, struct, subprocess, sys, warnings
import avro.datafile, avro.errors, avro.io, avro.schema

warnings.simplefilter("ignore")  # logicalType map/uuid-on-fixed: unknown to python-avro
work, helper = sys.argv[1], sys.argv[2]
failures = []

def expect(what, got, want):
    if got != want:
        failures.append("%s: got %r, want %r" % (what, got, want))

def read(name):
    with open(os.path.join(work, name), "rb") as fh:
        r = avro.datafile.DataFileReader(fh, avro.io.DatumReader())
        meta = dict(r.meta)
        recs = list(r)
        r.close()
    return meta, recs

# ------------------------------------------------------ 1. our manifest
meta, recs = read("p-manifest.avro")
expect("partition-spec-id", meta.get("partition-spec-id"), b"3")
spec = json.loads(meta["partition-spec"])
expect("partition-spec", [(f["name"], f["transform"], f["source-id"], f["field-id"]) for f in spec],
       [("ts_day", "day", 3, 1000), ("name", "identity", 2, 1001), ("id_bucket", "bucket[16]", 1, 1002),
        ("price", "identity", 4, 1003), ("f", "identity", 5, 1004), ("my-col", "identity", 6, 1005),
        ("u", "identity", 7, 1006), ("ts", "identity", 3, 1007)])
sch = json.loads(meta["avro.schema"])
df = [f for f in sch["fields"] if f["name"] == "data_file"][0]["type"]
part = [f for f in df["fields"] if f["name"] == "partition"][0]
expect("partition field id", part["field-id"], 102)
expect("partition record name", part["type"]["name"], "r102")
fields = part["type"]["fields"]
expect("partition names", [f["name"] for f in fields],
       ["ts_day", "name", "id_bucket", "price", "f", "my_x2Dcol", "u", "ts"])
expect("partition ids", [f["field-id"] for f in fields], list(range(1000, 1008)))
for f in fields:
    expect(f["name"] + " optional", (f["type"][0], f.get("default", "absent")), ("null", None))
types = [f["type"][1] for f in fields]
expect("day type", types[0], {"type": "int", "logicalType": "date"})
expect("string type", types[1], "string")
expect("bucket type", types[2], "int")
expect("decimal type", types[3], {"type": "fixed", "name": "decimal_10_2", "size": 5,
                                  "logicalType": "decimal", "precision": 10, "scale": 2})
expect("float type", types[4], "float")
expect("uuid type", types[6], {"type": "fixed", "name": "uuid_fixed", "size": 16, "logicalType": "uuid"})
expect("timestamptz type", types[7], {"type": "long", "logicalType": "timestamp-micros",
                                      "adjust-to-utc": True})
avro.schema.parse(meta["avro.schema"].decode())  # a valid Avro schema (names included)
U = bytes.fromhex("12345678" * 4)
utc = datetime.timezone.utc
want = [
    {"ts_day": datetime.date(2022, 1, 8), "name": "b", "id_bucket": 3, "price": decimal.Decimal("12.34"),
     "f": 1.5, "my_x2Dcol": "x", "u": U, "ts": datetime.datetime(2022, 1, 8, tzinfo=utc)},
    {"ts_day": datetime.date(2022, 1, 7), "name": None, "id_bucket": 15, "price": decimal.Decimal("-2.00"),
     "f": "nan", "my_x2Dcol": "y", "u": None,
     "ts": datetime.datetime(2022, 1, 7, 0, 0, 0, 1, tzinfo=utc)},
    {"ts_day": None, "name": "a", "id_bucket": 0, "price": None, "f": "-0.0", "my_x2Dcol": "x",
     "u": U, "ts": None},
]
expect("entries", len(recs), 3)
for i, (r, w) in enumerate(zip(recs, want)):
    p = dict(r["data_file"]["partition"])
    if isinstance(p.get("ts"), datetime.datetime):
        p["ts"] = p["ts"].astimezone(utc)
    if w["f"] == "nan":
        expect("entry %d f is NaN" % i, math.isnan(p["f"]), True)
        p["f"] = w["f"]
    elif w["f"] == "-0.0":
        expect("entry %d f is -0.0" % i, (p["f"], math.copysign(1, p["f"])), (0.0, -1.0))
        p["f"] = w["f"]
    expect("entry %d partition" % i, p, w)

meta, recs = read("p-list.avro")
expect("list entries", len(recs), 1)
e = recs[0]
expect("list spec id", e["partition_spec_id"], 3)
le32 = lambda v: struct.pack("<i", v)
le64 = lambda v: struct.pack("<q", v)
expect("summaries", e["partitions"], [
    {"contains_null": True, "contains_nan": False, "lower_bound": le32(18999), "upper_bound": le32(19000)},
    {"contains_null": True, "contains_nan": False, "lower_bound": b"a", "upper_bound": b"b"},
    {"contains_null": False, "contains_nan": False, "lower_bound": le32(0), "upper_bound": le32(15)},
    {"contains_null": True, "contains_nan": False, "lower_bound": b"\xff\x38", "upper_bound": b"\x04\xd2"},
    {"contains_null": False, "contains_nan": True, "lower_bound": struct.pack("<f", -0.0),
     "upper_bound": struct.pack("<f", 1.5)},
    {"contains_null": False, "contains_nan": False, "lower_bound": b"x", "upper_bound": b"y"},
    {"contains_null": True, "contains_nan": False, "lower_bound": U, "upper_bound": U},
    {"contains_null": True, "contains_nan": False, "lower_bound": le64(1641513600000001),
     "upper_bound": le64(1641600000000000)},
])

# -------------------------------------- 2. a manifest written by "Java"
def opt(t):
    return ["null", t]
fixed4 = {"type": "fixed", "name": "fixed_4", "size": 4}
entry_schema = {"type": "record", "name": "manifest_entry", "fields": [
    {"name": "status", "type": "int", "field-id": 0},
    {"name": "snapshot_id", "type": opt("long"), "default": None, "field-id": 1},
    {"name": "data_file", "field-id": 2, "type": {"type": "record", "name": "r2", "fields": [
        {"name": "file_path", "type": "string", "field-id": 100},
        {"name": "file_format", "type": "string", "field-id": 101},
        {"name": "partition", "field-id": 102, "type": {"type": "record", "name": "r102", "fields": [
            {"name": "d", "type": opt({"type": "int", "logicalType": "date"}), "default": None, "field-id": 1000},
            {"name": "s_x2Ex", "type": opt("string"), "default": None, "field-id": 1001},
            {"name": "dec", "type": opt({"type": "bytes", "logicalType": "decimal", "precision": 9,
                                         "scale": 1}), "default": None, "field-id": 1002},
            {"name": "fx", "type": opt(fixed4), "default": None, "field-id": 1003},
            {"name": "fx2", "type": opt("fixed_4"), "default": None, "field-id": 1004},
            {"name": "l", "type": opt("long"), "default": None, "field-id": 1005},
            {"name": "b", "type": opt("boolean"), "default": None, "field-id": 1006},
            {"name": "dbl", "type": opt("double"), "default": None, "field-id": 1007}]}},
        {"name": "record_count", "type": "long", "field-id": 103},
        {"name": "file_size_in_bytes", "type": "long", "field-id": 104}]}}]}
rows = [({"d": datetime.date(1970, 1, 3), "s_x2Ex": "é", "dec": decimal.Decimal("-1.5"),
          "fx": b"ab\x00d", "fx2": b"wxyz", "l": -2, "b": True, "dbl": 0.25}),
        ({"d": None, "s_x2Ex": None, "dec": decimal.Decimal("12.7"), "fx": None, "fx2": None,
          "l": 7, "b": False, "dbl": None})]
with open(os.path.join(work, "java-manifest.avro"), "wb") as fh:
    w = avro.datafile.DataFileWriter(fh, avro.io.DatumWriter(),
                                     avro.schema.parse(json.dumps(entry_schema)), codec="deflate")
    for i, p in enumerate(rows):
        w.append({"status": 1, "snapshot_id": 5, "data_file": {
            "file_path": "s3://b/j/%d.parquet" % i, "file_format": "PARQUET", "partition": p,
            "record_count": 1, "file_size_in_bytes": 2}})
    w.close()
out = subprocess.run([helper, "read", os.path.join(work, "java-manifest.avro")], check=True,
                     capture_output=True, text=True).stdout.splitlines()
expect("java manifest read", out, [
    "s3://b/j/0.parquet: 1000=02000000 1001=c3a9 1002=f1 1003=61620064 1004=7778797a "
    "1005=feffffffffffffff 1006=01 1007=000000000000d03f",
    "s3://b/j/1.parquet: 1000=null 1001=null 1002=7f 1003=null 1004=null 1005=0700000000000000 "
    "1006=00 1007=null"])

# ------------------------- 3. a partitioned v2 list from another writer
OPT = lambda t: ["null", t]
list_schema = {"type": "record", "name": "manifest_file", "fields": [
    {"name": "manifest_path", "type": "string", "field-id": 500},
    {"name": "manifest_length", "type": "long", "field-id": 501},
    {"name": "partition_spec_id", "type": "int", "field-id": 502},
    {"name": "content", "type": "int", "field-id": 517},
    {"name": "sequence_number", "type": "long", "field-id": 515},
    {"name": "min_sequence_number", "type": "long", "field-id": 516},
    {"name": "added_snapshot_id", "type": "long", "field-id": 503},
    {"name": "added_files_count", "type": "int", "field-id": 504},
    {"name": "existing_files_count", "type": "int", "field-id": 505},
    {"name": "deleted_files_count", "type": "int", "field-id": 506},
    {"name": "added_rows_count", "type": "long", "field-id": 512},
    {"name": "existing_rows_count", "type": "long", "field-id": 513},
    {"name": "deleted_rows_count", "type": "long", "field-id": 514},
    {"name": "partitions", "type": OPT({"type": "array", "element-id": 508, "items": {
        "type": "record", "name": "r508", "fields": [
            {"name": "contains_null", "type": "boolean", "field-id": 509},
            {"name": "contains_nan", "type": OPT("boolean"), "default": None, "field-id": 518},
            {"name": "lower_bound", "type": OPT("bytes"), "default": None, "field-id": 510},
            {"name": "upper_bound", "type": OPT("bytes"), "default": None, "field-id": 511}]}}),
     "default": None, "field-id": 507},
    {"name": "key_metadata", "type": OPT("bytes"), "default": None, "field-id": 519}]}
spark_parts = [
    {"contains_null": False, "contains_nan": False, "lower_bound": le32(19000), "upper_bound": le32(19400)},
    {"contains_null": True, "contains_nan": None, "lower_bound": b"\x00\xff\x80zz", "upper_bound": b"\xff" * 40},
    {"contains_null": True, "contains_nan": True, "lower_bound": None, "upper_bound": None},
]
spark = [{"manifest_path": "s3://b/t/metadata/spark-1.avro", "manifest_length": 5000,
          "partition_spec_id": 2, "content": 0, "sequence_number": 4, "min_sequence_number": 3,
          "added_snapshot_id": 9, "added_files_count": 3, "existing_files_count": 1,
          "deleted_files_count": 0, "added_rows_count": 30, "existing_rows_count": 10,
          "deleted_rows_count": 0, "partitions": spark_parts, "key_metadata": b"\x01\x02"}]
with open(os.path.join(work, "spark-list.avro"), "wb") as fh:
    w = avro.datafile.DataFileWriter(fh, avro.io.DatumWriter(),
                                     avro.schema.parse(json.dumps(list_schema)), codec="deflate")
    w.set_meta("format-version", b"2")
    for e in spark:
        w.append(e)
    w.close()
subprocess.run([helper, "carry", os.path.join(work, "spark-list.avro"),
                os.path.join(work, "spark-carried.avro")], check=True)
meta, recs = read("spark-carried.avro")
expect("carried entries", len(recs), 2)
if len(recs) == 2:
    expect("new entry spec", recs[0]["partition_spec_id"], 0)
    expect("carried entry", recs[1], spark[0])

if failures:
    for f in failures:
        print("FAIL", f)
    sys.exit(1)
print("partitioned manifest, list summaries, foreign manifest tuples, carried summaries ok")
PY
