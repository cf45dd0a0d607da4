#!/usr/bin/env bash
# Parquet reader interop: DuckDB writes files with Iceberg field ids (ints,
# unsigned ints, strings, floats, booleans, decimals of three widths,
# dates, times, timestamps with and without zone and in milliseconds, uuid,
# blob, a list, a struct, a map and a list of structs, with nulls and empty
# lists) under several options (v1 and v2 pages: dictionary, PLAIN,
# DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT; codecs;
# several row groups). tests/parquet/pq_read reads each with
# icp_parquet_reader and prints its rows as JSON; DuckDB prints the same
# rows in the same canonical form; every row must be equal.
# Then the same with arrow-rs (parquet-wasm) as the writer, for what DuckDB
# does not write: DELTA_BYTE_ARRAY strings (plus BYTE_STREAM_SPLIT doubles
# and DELTA_BINARY_PACKED longs), v1 and v2 pages; the rows expected are
# the ones the writing script prints.
# Usage: tests/parquet/it_reader_duckdb.sh PATH/TO/iceberg-processor
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:?usage: it_reader_duckdb.sh PATH/TO/iceberg-processor}
rd="$(dirname "$bin")/pq_read"
[ -x "$rd" ] || { echo "it_reader_duckdb: $rd not built"; exit 1; }
[ -d tools/node_modules/@duckdb/node-api ] ||
  { echo "it_reader_duckdb: tools/node_modules missing: run scripts/bootstrap"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gen_sql() { # $1 = file, $2 = extra COPY options
  cat <<SQL
COPY (SELECT
  CASE WHEN i % 7 = 0 THEN NULL ELSE i::INTEGER END AS i32,
  (i * 1000003 - 5000000)::BIGINT AS i64,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 'str_' || (i % 13) END AS s,
  (i / 7.0 - 100)::DOUBLE AS dbl,
  (i / 3.0)::FLOAT AS flt,
  CASE WHEN i % 4 = 0 THEN NULL ELSE (i % 3 = 0) END AS bo,
  ((i - 500) / 10.0)::DECIMAL(4,1) AS d4,
  ((i * 12345 - 999999) / 100.0)::DECIMAL(12,2) AS d12,
  ((i - 700) * 123456789.1234)::DECIMAL(38,4) AS d38,
  DATE '1960-01-01' + (i * 17)::INTEGER AS dt,
  TIMESTAMP '1965-03-04 05:06:07.123456' + INTERVAL (i * 3671) SECOND AS ts,
  (TIMESTAMP '2021-03-04 05:06:07' + INTERVAL (i * 1001) MILLISECOND)::TIMESTAMPTZ AS tstz,
  (TIMESTAMP '2021-03-04 05:06:07' + INTERVAL (i * 1001) MILLISECOND)::TIMESTAMP_MS AS tsms,
  TIME '01:02:03.25' + INTERVAL (i) SECOND AS tm,
  (i % 200)::UTINYINT AS ut,
  (i * 1000003)::UINTEGER AS ui,
  CASE WHEN i % 11 = 0 THEN NULL WHEN i % 11 = 1 THEN []::INTEGER[]
       ELSE [i, NULL, i + 1]::INTEGER[] END AS l,
  CASE WHEN i % 9 = 0 THEN NULL
       ELSE {'a': i, 'b': CASE WHEN i % 4 = 0 THEN NULL ELSE 'b' || i END} END AS st,
  CASE WHEN i % 6 = 0 THEN NULL ELSE MAP(['k' || i, 'z'], [i, NULL::INTEGER]) END AS m,
  CASE WHEN i % 8 = 0 THEN NULL
       ELSE [{'x': i, 'y': 'y' || (i % 5)}, NULL, {'x': NULL, 'y': NULL}] END AS ls,
  ('00000000-0000-0000-0000-' || lpad(i::VARCHAR, 12, '0'))::UUID AS u,
  encode('b' || i)::BLOB AS bl
FROM range(3000) t(i)) TO '$1' (FORMAT parquet, $2 FIELD_IDS {
  i32: 1, i64: 2, s: 3, dbl: 4, flt: 5, bo: 6, d4: 7, d12: 8, d38: 9, dt: 10, ts: 11,
  tstz: 12, tsms: 13, tm: 14, ut: 15, ui: 16,
  l: {__duckdb_field_id: 17, element: 18},
  st: {__duckdb_field_id: 19, a: 20, b: 21},
  m: {__duckdb_field_id: 22, key: 23, value: 24},
  ls: {__duckdb_field_id: 25, element: {__duckdb_field_id: 26, x: 27, y: 28}},
  u: 29, bl: 30})
SQL
}

read_sql() { # the rows in pq_read's canonical form
  cat <<SQL
SELECT to_json({
  'i32': i32, 'i64': i64, 's': s, 'dbl': dbl, 'flt': flt::DOUBLE, 'bo': bo,
  'd4': d4::VARCHAR, 'd12': d12::VARCHAR, 'd38': d38::VARCHAR,
  'dt': datediff('day', DATE '1970-01-01', dt), 'ts': epoch_us(ts),
  'tstz': epoch_us(tstz), 'tsms': epoch_us(tsms),
  'tm': datediff('microsecond', TIME '00:00:00', tm),
  'ut': ut, 'ui': ui, 'l': l, 'st': st, 'm': map_entries(m), 'ls': ls,
  'u': replace(u::VARCHAR, '-', ''), 'bl': lower(hex(bl))})::VARCHAR
FROM read_parquet('$1')
SQL
}

n=0
while IFS='|' read -r name opts; do
  f="$tmp/$name.parquet"
  node tools/duckdb-query.mjs "$(gen_sql "$f" "$opts")" >/dev/null
  node tools/duckdb-query.mjs "$(read_sql "$f")" > "$tmp/$name.duck"
  "$rd" "$f" > "$tmp/$name.ours"
  /usr/bin/python3 - "$tmp/$name.duck" "$tmp/$name.ours" "$name" <<'PY'
import json, sys
duck = [json.loads(r[0]) for r in json.load(open(sys.argv[1]))]
ours = [json.loads(l) for l in open(sys.argv[2])]
name = sys.argv[3]
if len(duck) != len(ours) or len(ours) != 3000:
    sys.exit(f"{name}: {len(ours)} rows read, DuckDB has {len(duck)}")
bad = [i for i in range(len(duck)) if duck[i] != ours[i]]
for i in bad[:5]:
    print(f"{name}: row {i} differs:\n  duckdb {json.dumps(duck[i])}\n  ours   {json.dumps(ours[i])}")
if bad:
    sys.exit(f"{name}: {len(bad)} rows differ")
print(f"{name}: {len(ours)} rows equal")
PY
  n=$((n + 1))
done <<'CASES'
v1_snappy|
v1_gzip_small_groups|COMPRESSION gzip, ROW_GROUP_SIZE 700,
v1_uncompressed|COMPRESSION uncompressed, ROW_GROUP_SIZE 2048,
v2_zstd|PARQUET_VERSION v2, COMPRESSION zstd, ROW_GROUP_SIZE 1000,
v2_lz4|PARQUET_VERSION v2, COMPRESSION lz4_raw,
CASES

arrow_js='
import fs from "node:fs";
import { Table as WTable, writeParquet, WriterPropertiesBuilder, Encoding, Compression,
         WriterVersion } from "parquet-wasm/node";
import { tableToIPC, Table, vectorFromArray, Field, Schema, Utf8, Float64, Int64, makeData,
         RecordBatch, Struct } from "apache-arrow";
const n = 500, s = [], f = [], v = [];
for (let i = 0; i < n; i++) {
  s.push(i % 7 === 0 ? null : "prefix_common_" + Math.floor(i / 3) + (i % 2 ? "_odd" : ""));
  f.push(i % 5 === 0 ? null : i / 8 - 20);
  v.push(i % 4 === 0 ? null : BigInt(i * 7919 - 100000));
}
const md = (id) => new Map([["PARQUET:field_id", String(id)]]);
const schema = new Schema([new Field("s", new Utf8(), true, md(1)),
  new Field("f", new Float64(), true, md(2)), new Field("v", new Int64(), true, md(3))]);
const kids = [vectorFromArray(s, new Utf8()), vectorFromArray(f, new Float64()),
  vectorFromArray(v, new Int64())].map((x) => x.data[0]);
const table = new Table([new RecordBatch(schema,
  makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: kids }))]);
const props = new WriterPropertiesBuilder().setDictionaryEnabled(false)
  .setColumnEncoding("s", Encoding.DELTA_BYTE_ARRAY)
  .setColumnEncoding("f", Encoding.BYTE_STREAM_SPLIT)
  .setColumnEncoding("v", Encoding.DELTA_BINARY_PACKED)
  .setWriterVersion(process.env.PQ_V2 === "1" ? WriterVersion.V2 : WriterVersion.V1)
  .setMaxRowGroupSize(200).setDataPageSizeLimit(512).setWriteBatchSize(64)
  .setCompression(Compression.SNAPPY).build();
fs.writeFileSync(process.env.PQ_OUT, writeParquet(WTable.fromIPCStream(tableToIPC(table, "stream")), props));
for (let i = 0; i < n; i++)
  console.log(JSON.stringify({ s: s[i], f: f[i], v: v[i] === null ? null : Number(v[i]) }));
'
for v2 in 0 1; do
  name="arrow_pages_v$((v2 + 1))"
  f="$tmp/$name.parquet"
  (cd tools && PQ_OUT="$f" PQ_V2=$v2 node --input-type=module -e "$arrow_js") > "$tmp/arrow.expect"
  "$rd" "$f" > "$tmp/arrow.ours"
  /usr/bin/python3 - "$tmp/arrow.expect" "$tmp/arrow.ours" "$name" <<'PY'
import json, sys
want = [json.loads(l) for l in open(sys.argv[1])]
ours = [json.loads(l) for l in open(sys.argv[2])]
name = sys.argv[3]
if len(want) != 500 or want != ours:
    sys.exit(f"{name}: rows differ ({len(ours)} read, {len(want)} written)")
print(f"{name}: {len(ours)} rows equal")
PY
  n=$((n + 1))
done
echo "it_reader_duckdb: $n files ok"
