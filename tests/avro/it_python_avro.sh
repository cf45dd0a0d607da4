#!/usr/bin/env bash
# Interoperability: files written by our Avro writer (tests/avro/avro_sample.c,
# built next to the binary given as $1) are read by Debian's python3-avro,
# which must see every value, the Iceberg-style file metadata and the
# "field-id" attributes of the schema. Datum i is recomputed here from i
# exactly as tests/avro/avro_sample.h writes it. Then the other way round:
# python3-avro writes the same datums (null and deflate, several blocks) and
# our reader must decode them to the same values.
set -euo pipefail
bin_dir=$(cd "$(dirname "$1")" && pwd)
helper="$bin_dir/avro_sample"
[ -x "$helper" ] || { echo "it_python_avro: $helper not built"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/icp-avro-it.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$helper" "$work"

/usr/bin/python3 - "$work" <<'PY'
import datetime, json, struct, sys, warnings
import avro.datafile, avro.errors, avro.io, avro.schema

# Iceberg's "logicalType": "map" on arrays is unknown to Avro: expected.
warnings.filterwarnings("ignore", category=avro.errors.IgnoredLogicalType)

work = sys.argv[1]
I32_MIN, I32_MAX = -2**31, 2**31 - 1
I64_MIN, I64_MAX = -2**63, 2**63 - 1
KINDS = ["DATA", "POSITION_DELETES", "EQUALITY_DELETES"]
EPOCH_DAY = datetime.date(1970, 1, 1)
EPOCH_TS = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

def uuid(i):
    return bytes((j * 17 + i) & 0xFF for j in range(16))

def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]

def expected(i):
    path = "s3://b/\u00e9\u20ac\U0001F600" if i == 0 else "s3://bucket/data/file-%d.parquet" % i
    cols = None
    if i % 3:
        cols = [{"key": j + 1, "value": (j + 1) * 100 + i} for j in range(i % 3)]
    return {
        "status": I32_MIN if i == 0 else I32_MAX if i == 1 else i,
        "snapshot_id": None if i % 2 == 0 else (I64_MAX if i == 1 else I64_MIN if i == 3 else i * 1000003),
        "flag": bool(i % 2),
        "f32": f32(1.5 * i),
        "f64": 1e308 if i == 2 else i + 0.1,
        "path": path,
        "blob": bytes((i * j) & 0xFF for j in range(i % 5)),
        "uuid": uuid(i),
        "kind": KINDS[i % 3],
        "data_file": {
            "file_path": "f-%d" % i,
            "partition": {"day": None if i % 4 == 0 else EPOCH_DAY + datetime.timedelta(days=19000 + i)},
            "column_sizes": cols,
            "tags": {"a": "x%d" % i, "b": None} if i % 2 else {},
            "lower": b"\x00\x01" if i % 2 else None,
        },
        "ts": EPOCH_TS + datetime.timedelta(microseconds=1700000000000000 + i),
        "next": None if i % 5 == 0 else uuid(i + 1),
    }

FIELD_IDS = {"status": 0, "snapshot_id": 1, "flag": 2, "f32": 3, "f64": 4, "path": 5,
             "blob": 6, "uuid": 7, "kind": 8, "data_file": 2000, "ts": 9, "next": 10,
             "file_path": 100, "partition": 102, "day": 1000, "column_sizes": 108,
             "tags": 109, "lower": 110, "key": 117, "value": 118}

def check_field_ids(schema, seen):
    if isinstance(schema, avro.schema.RecordSchema):
        for f in schema.fields:
            fid = f.get_prop("field-id")
            assert fid == FIELD_IDS[f.name], (f.name, fid)
            seen.add(f.name)
            check_field_ids(f.type, seen)
    elif isinstance(schema, avro.schema.UnionSchema):
        for s in schema.schemas:
            check_field_ids(s, seen)
    elif isinstance(schema, avro.schema.ArraySchema):
        check_field_ids(schema.items, seen)

def check(name, n):
    with open("%s/%s" % (work, name), "rb") as fh:
        r = avro.datafile.DataFileReader(fh, avro.io.DatumReader())
        assert r.get_meta("format-version") == b"2", r.get_meta("format-version")
        assert r.get_meta("content") == b"data"
        spec = json.loads(r.get_meta("partition-spec"))
        assert spec[0]["field-id"] == 1000, spec
        ischema = json.loads(r.get_meta("schema"))
        assert ischema["fields"][0]["name"] == "day", ischema
        codec = r.get_meta("avro.codec")
        assert codec == (b"deflate" if "deflate" in name else b"null"), codec
        schema = avro.schema.parse(r.get_meta("avro.schema").decode())
        seen = set()
        check_field_ids(schema, seen)
        assert seen == set(FIELD_IDS), sorted(set(FIELD_IDS) - seen)
        count = 0
        for i, rec in enumerate(r):
            want = expected(i)
            if rec != want:
                for k in want:
                    if rec.get(k) != want[k]:
                        print("%s datum %d field %s: got %r want %r" % (name, i, k, rec.get(k), want[k]))
                sys.exit(1)
            count += 1
        r.close()
    assert count == n, (name, count, n)
    print("%s: %d datums, metadata and field ids ok" % (name, count))

check("sample_null.avro", 60)
check("sample_deflate.avro", 500)

# Python writes the sample with the schema and metadata our writer stored.
with open("%s/sample_null.avro" % work, "rb") as fh:
    r = avro.datafile.DataFileReader(fh, avro.io.DatumReader())
    schema_text = r.get_meta("avro.schema").decode()
    metas = {k: r.get_meta(k) for k in ("schema", "partition-spec", "format-version", "content")}
    r.close()
schema = avro.schema.parse(schema_text)
for codec, n in (("null", 70), ("deflate", 300)):
    with open("%s/py_%s.avro" % (work, codec), "wb") as fh:
        w = avro.datafile.DataFileWriter(fh, avro.io.DatumWriter(), schema, codec=codec)
        for k, v in metas.items():
            w.set_meta(k, v)
        for i in range(n):
            w.append(expected(i))
            if i % 25 == 24:
                w.flush()  # end the block: exercise many blocks
        w.close()
PY
"$helper" check "$work/py_null.avro" 70
"$helper" check "$work/py_deflate.avro" 300
