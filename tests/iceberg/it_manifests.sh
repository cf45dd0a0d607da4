#!/usr/bin/env bash
# Interoperability of our manifests and manifest lists: ice_manifest_gen
# (tests/iceberg/ice_manifest_gen.c, built next to the binary given as $1)
# writes a v2 manifest, a parent manifest list and a child list carrying the
# parent's entry; Debian's python3-avro reads them and checks every value,
# the file metadata keys and the Iceberg field ids of the Avro schemas
# against the spec. Then python3-avro writes a v1 manifest list (v1 field
# names, a partition summary) and our writer must carry its entry over with
# the v2 defaults (sequence numbers 0, content 0).
set -euo pipefail
bin_dir=$(cd "$(dirname "$1")" && pwd)
helper="$bin_dir/ice_manifest_gen"
[ -x "$helper" ] || { echo "it_manifests: $helper not built"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/icp-ice-it.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$helper" "$work"

/usr/bin/python3 - "$work" "$helper" <<'PY'
import json, os, struct, subprocess, sys, warnings
import avro.datafile, avro.errors, avro.io, avro.schema

# Iceberg's "logicalType": "map" on arrays is unknown to Avro: expected.
warnings.filterwarnings("ignore", category=avro.errors.IgnoredLogicalType)
work, helper = sys.argv[1], sys.argv[2]
failures = []

def expect(what, got, want):
    if got != want:
        failures.append("%s: got %r, want %r" % (what, got, want))

def read(name):
    with open(os.path.join(work, name), "rb") as fh:
        r = avro.datafile.DataFileReader(fh, avro.io.DatumReader())
        meta = {k: v for k, v in r.meta.items()}
        recs = list(r)
        r.close()
    return meta, recs

def ids(schema, path, out):
    """Collects field-id / element-id / record names / logicalType by path."""
    if isinstance(schema, avro.schema.RecordSchema):
        out[path + "#record"] = schema.name
        for f in schema.fields:
            p = path + "." + f.name if path else f.name
            out[p] = f.get_prop("field-id")
            ids(f.type, p, out)
    elif isinstance(schema, avro.schema.UnionSchema):
        out[path + "#union"] = [s.type for s in schema.schemas]
        for s in schema.schemas:
            ids(s, path, out)
    elif isinstance(schema, avro.schema.ArraySchema):
        out[path + "#element-id"] = schema.get_prop("element-id")
        out[path + "#logicalType"] = schema.get_prop("logicalType")
        ids(schema.items, path + "[]", out)

def schema_ids(meta):
    out = {}
    ids(avro.schema.parse(meta["avro.schema"].decode()), "", out)
    return out

# ---------------------------------------------------------------- manifest
meta, recs = read("manifest.avro")
expect("manifest codec", meta.get("avro.codec"), b"deflate")
expect("schema-id", meta.get("schema-id"), b"0")
expect("partition-spec", json.loads(meta.get("partition-spec")), [])
expect("partition-spec-id", meta.get("partition-spec-id"), b"0")
expect("format-version", meta.get("format-version"), b"2")
expect("content", meta.get("content"), b"data")
table_schema = json.loads(meta["schema"])
expect("schema type", table_schema.get("type"), "struct")
expect("schema columns", [(f["id"], f["name"], f["type"], f["required"]) for f in table_schema["fields"]],
       [(1, "record_id", "string", True), (2, "topic", "string", True), (3, "partition", "int", True),
        (4, "offset", "long", True), (5, "timestamp_ms", "long", True), (6, "key", "binary", False),
        (7, "value", "binary", False), (8, "headers", "string", False)])

got = schema_ids(meta)
want = {"status": 0, "snapshot_id": 1, "sequence_number": 3, "file_sequence_number": 4,
        "data_file": 2, "data_file.content": 134, "data_file.file_path": 100,
        "data_file.file_format": 101, "data_file.partition": 102, "data_file.record_count": 103,
        "data_file.file_size_in_bytes": 104, "data_file.column_sizes": 108,
        "data_file.value_counts": 109, "data_file.null_value_counts": 110,
        "data_file.nan_value_counts": 137, "data_file.lower_bounds": 125,
        "data_file.upper_bounds": 128, "data_file.key_metadata": 131,
        "data_file.split_offsets": 132, "data_file.equality_ids": 135,
        "data_file.sort_order_id": 140,
        "data_file.split_offsets#element-id": 133, "data_file.equality_ids#element-id": 136,
        "#record": "manifest_entry", "data_file#record": "r2", "data_file.partition#record": "r102"}
maps = {"column_sizes": (117, 118, "long"), "value_counts": (119, 120, "long"),
        "null_value_counts": (121, 122, "long"), "nan_value_counts": (138, 139, "long"),
        "lower_bounds": (126, 127, "bytes"), "upper_bounds": (129, 130, "bytes")}
for name, (k, v, _) in maps.items():
    p = "data_file." + name
    want[p + "#logicalType"] = "map"
    want[p + "[]#record"] = "k%d_v%d" % (k, v)
    want[p + "[].key"] = k
    want[p + "[].value"] = v
for k, v in want.items():
    expect("manifest schema " + k, got.get(k), v)
for opt in ("snapshot_id", "sequence_number", "file_sequence_number", "data_file.key_metadata",
            "data_file.sort_order_id", "data_file.column_sizes"):
    expect("manifest schema %s optional" % opt, got.get(opt + "#union", [None])[0], "null")
sch = avro.schema.parse(meta["avro.schema"].decode())
df = [f for f in sch.fields if f.name == "data_file"][0].type
expect("partition has no fields", len([f for f in df.fields if f.name == "partition"][0].type.fields), 0)
expect("data_file field order", [f.name for f in df.fields],
       ["content", "file_path", "file_format", "partition", "record_count", "file_size_in_bytes",
        "column_sizes", "value_counts", "null_value_counts", "nan_value_counts", "lower_bounds",
        "upper_bounds", "key_metadata", "split_offsets", "equality_ids", "sort_order_id"])

def kv(pairs):
    return [{"key": k, "value": v} for k, v in pairs]

want_recs = [
    {"status": 1, "snapshot_id": 200, "sequence_number": None, "file_sequence_number": None,
     "data_file": {"content": 0, "file_path": "s3://bucket/t/data/f1.parquet", "file_format": "PARQUET",
                   "partition": {}, "record_count": 100, "file_size_in_bytes": 4096,
                   "column_sizes": kv([(1, 300), (4, 800), (6, 50), (9, 70)]),
                   "value_counts": kv([(1, 100), (4, 100), (6, 100), (9, 100)]),
                   "null_value_counts": kv([(1, 0), (4, 0), (6, 40), (9, 1)]),
                   "nan_value_counts": kv([(9, 3)]),
                   "lower_bounds": kv([(1, b"a"), (4, struct.pack("<q", 5)), (9, struct.pack("<d", 1.5))]),
                   "upper_bounds": kv([(1, b"z"), (4, struct.pack("<q", 104)), (9, struct.pack("<d", 2.5))]),
                   "key_metadata": None, "split_offsets": [4, 2048], "equality_ids": None,
                   "sort_order_id": 1}},  # has_sort_order: order 1
    {"status": 1, "snapshot_id": 200, "sequence_number": None, "file_sequence_number": None,
     "data_file": {"content": 0, "file_path": "s3://bucket/t/data/f2.parquet", "file_format": "PARQUET",
                   "partition": {}, "record_count": 1, "file_size_in_bytes": 10,
                   "column_sizes": None, "value_counts": None, "null_value_counts": None,
                   "nan_value_counts": None, "lower_bounds": None, "upper_bounds": None,
                   "key_metadata": None, "split_offsets": None, "equality_ids": None,
                   "sort_order_id": None}},
]
expect("manifest entry count", len(recs), 2)
for i, (g, w) in enumerate(zip(recs, want_recs)):
    for k in w:
        if k == "data_file":
            for k2 in w[k]:
                expect("entry %d data_file.%s" % (i, k2), g[k].get(k2, "MISSING"), w[k][k2])
            expect("entry %d data_file keys" % i, sorted(g[k]), sorted(w[k]))
        else:
            expect("entry %d %s" % (i, k), g.get(k, "MISSING"), w[k])
    expect("entry %d keys" % i, sorted(g), sorted(w))

# ----------------------------------------------------------- manifest lists
ML_IDS = {"manifest_path": 500, "manifest_length": 501, "partition_spec_id": 502, "content": 517,
          "sequence_number": 515, "min_sequence_number": 516, "added_snapshot_id": 503,
          "added_files_count": 504, "existing_files_count": 505, "deleted_files_count": 506,
          "added_rows_count": 512, "existing_rows_count": 513, "deleted_rows_count": 514,
          "partitions": 507, "key_metadata": 519,
          "partitions#element-id": 508, "partitions[]#record": "r508",
          "partitions[].contains_null": 509, "partitions[].contains_nan": 518,
          "partitions[].lower_bound": 510, "partitions[].upper_bound": 511,
          "#record": "manifest_file"}
ORDER = ["manifest_path", "manifest_length", "partition_spec_id", "content", "sequence_number",
         "min_sequence_number", "added_snapshot_id", "added_files_count", "existing_files_count",
         "deleted_files_count", "added_rows_count", "existing_rows_count", "deleted_rows_count",
         "partitions", "key_metadata"]

def entry(path, length, seq, snap, af, ar, parts=(), minseq=None, ef=0, df=0, er=0, dr=0):
    return {"manifest_path": path, "manifest_length": length, "partition_spec_id": 0, "content": 0,
            "sequence_number": seq, "min_sequence_number": seq if minseq is None else minseq,
            "added_snapshot_id": snap, "added_files_count": af, "existing_files_count": ef,
            "deleted_files_count": df, "added_rows_count": ar, "existing_rows_count": er,
            "deleted_rows_count": dr, "partitions": list(parts), "key_metadata": None}

def check_list(name, want_meta, want_entries):
    meta, recs = read(name)
    expect(name + " codec", meta.get("avro.codec"), b"deflate")
    for k, v in want_meta.items():
        expect("%s meta %s" % (name, k), meta.get(k), v)
    got = schema_ids(meta)
    for k, v in ML_IDS.items():
        expect("%s schema %s" % (name, k), got.get(k), v)
    sch = avro.schema.parse(meta["avro.schema"].decode())
    expect(name + " field order", [f.name for f in sch.fields], ORDER)
    expect(name + " entry count", len(recs), len(want_entries))
    for i, (g, w) in enumerate(zip(recs, want_entries)):
        for k in w:
            expect("%s entry %d %s" % (name, i, k), g.get(k, "MISSING"), w[k])
        expect("%s entry %d keys" % (name, i), sorted(g), sorted(w))

manifest_len = os.path.getsize(os.path.join(work, "manifest.avro"))
check_list("parent.avro",
           {"snapshot-id": b"100", "parent-snapshot-id": b"null", "sequence-number": b"1",
            "format-version": b"2"},
           [entry("s3://b/t/metadata/m-parent.avro", 1234, 1, 100, 3, 30)])
check_list("list.avro",
           {"snapshot-id": b"200", "parent-snapshot-id": b"100", "sequence-number": b"2",
            "format-version": b"2"},
           [entry("s3://b/t/metadata/m-new.avro", manifest_len, 2, 200, 2, 101),
            entry("s3://b/t/metadata/m-parent.avro", 1234, 1, 100, 3, 30)])

# ------------------------------------------- v1 parent list, carried over
V1 = {"type": "record", "name": "manifest_file", "fields": [
    {"name": "manifest_path", "type": "string", "field-id": 500},
    {"name": "manifest_length", "type": "long", "field-id": 501},
    {"name": "partition_spec_id", "type": "int", "field-id": 502},
    {"name": "added_snapshot_id", "type": ["null", "long"], "default": None, "field-id": 503},
    {"name": "added_data_files_count", "type": ["null", "int"], "default": None, "field-id": 504},
    {"name": "existing_data_files_count", "type": ["null", "int"], "default": None, "field-id": 505},
    {"name": "deleted_data_files_count", "type": ["null", "int"], "default": None, "field-id": 506},
    {"name": "partitions", "type": ["null", {"type": "array", "element-id": 508, "items": {
        "type": "record", "name": "r508", "fields": [
            {"name": "contains_null", "type": "boolean", "field-id": 509},
            {"name": "lower_bound", "type": ["null", "bytes"], "default": None, "field-id": 510},
            {"name": "upper_bound", "type": ["null", "bytes"], "default": None, "field-id": 511}]}}],
     "default": None, "field-id": 507},
    {"name": "added_rows_count", "type": ["null", "long"], "default": None, "field-id": 512},
    {"name": "existing_rows_count", "type": ["null", "long"], "default": None, "field-id": 513},
    {"name": "deleted_rows_count", "type": ["null", "long"], "default": None, "field-id": 514}]}
v1_entries = [
    {"manifest_path": "s3://b/t/metadata/v1-a.avro", "manifest_length": 77, "partition_spec_id": 0,
     "added_snapshot_id": 11, "added_data_files_count": 2, "existing_data_files_count": 5,
     "deleted_data_files_count": 1, "partitions": [{"contains_null": True, "lower_bound": b"\x01\x00\x00\x00",
                                                    "upper_bound": b"\x09\x00\x00\x00"}],
     "added_rows_count": 20, "existing_rows_count": 50, "deleted_rows_count": 3},
    {"manifest_path": "s3://b/t/metadata/v1-b.avro", "manifest_length": 88, "partition_spec_id": 0,
     "added_snapshot_id": 12, "added_data_files_count": 1, "existing_data_files_count": 0,
     "deleted_data_files_count": 0, "partitions": None,
     "added_rows_count": 4, "existing_rows_count": 0, "deleted_rows_count": 0},
]
with open(os.path.join(work, "v1.avro"), "wb") as fh:
    w = avro.datafile.DataFileWriter(fh, avro.io.DatumWriter(), avro.schema.parse(json.dumps(V1)),
                                     codec="deflate")
    w.set_meta("format-version", b"1")
    for e in v1_entries:
        w.append(e)
    w.close()
subprocess.run([helper, "carry", os.path.join(work, "v1.avro"), os.path.join(work, "carried.avro")],
               check=True)
a = entry("s3://b/t/metadata/v1-a.avro", 77, 0, 11, 2, 20, ef=5, df=1, er=50, dr=3,
          parts=[{"contains_null": True, "contains_nan": None, "lower_bound": b"\x01\x00\x00\x00",
                  "upper_bound": b"\x09\x00\x00\x00"}])
b = entry("s3://b/t/metadata/v1-b.avro", 88, 0, 12, 1, 4)
b["partitions"] = None
check_list("carried.avro",
           {"snapshot-id": b"300", "parent-snapshot-id": b"200", "sequence-number": b"3",
            "format-version": b"2"},
           [entry("s3://b/t/metadata/m-300.avro", 999, 3, 300, 1, 7), a, b])

if failures:
    for f in failures:
        print("FAIL", f)
    sys.exit(1)
print("manifest, manifest lists (v2 parent, v1 parent): values, metadata and field ids ok")
PY
