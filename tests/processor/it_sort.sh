#!/usr/bin/env bash
# mappings[].sort_by: rows sorted within every data file.
#   shop.orders  unpartitioned, sort_by [customer, order_id]
#   shop.clicks  partition_by [day(event_time)], sort_by [amount, order_id]
#                (decimal(10,2): numeric order, not text order)
# parquet.row_group_bytes 1 MiB caps the rows kept for sorting, so a
# run writes several sorted files per table (and per tuple). Checked with
# DuckDB, reading each file in its stored order (file_row_number):
#   - within every file the rows are in (sort columns) order, nulls first;
#   - every record is in the table exactly once with its values;
#   - the table's default sort order (metadata) is the sort_by columns,
#     ascending, nulls first, and every data file added has that
#     sort_order_id (manifests read with python3-avro);
#   - icebird reads both tables.
source "$(dirname "$0")/lib.sh"
D=$WORK/sort; mkdir -p "$D/all"
$PY "$ROOT/tests/processor/gen_orders.py" "$D/all" --partitions 3 --records 3000 --hours 72
mkdir -p "$D/segments/bucket/prod"
cp -r "$D/all/segments/bucket/prod/orders" "$D/all/segments/bucket/prod/clicks" "$D/segments/bucket/prod/"
write_config "$D"
$PY - "$D/config.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
head, _ = s.split("mappings:\n")
cols = ('[{name: order_id, type: long}, {name: amount, type: "decimal(10,2)"}, {name: status, type: string},'
        ' {name: event_time, type: timestamptz}, {name: customer, type: string}]')
open(p, "w").write(head.replace("\nlog:", "\nparquet:\n  row_group_bytes: 1048576\nlog:") + "mappings:\n"
  "  - topic: orders\n    table: shop.orders\n    create_table_if_missing: true\n"
  "    sort_by: [customer, order_id]\n    schema:\n      columns: " + cols + "\n"
  "  - topic: clicks\n    table: shop.clicks\n    create_table_if_missing: true\n"
  "    partition_by: [\"day(event_time)\"]\n    sort_by: [amount, order_id]\n"
  "    schema:\n      columns: " + cols + "\n")
PY
"$BIN" --once -config="$D/config.yaml" 2> "$D/log" || { cat "$D/log"; echo "FAIL: run"; exit 1; }
meta_file() { read -r url file < <(metadata_of "$D" "$1"); echo "${url#file://}/metadata/$file"; }
data_dir() { read -r url file < <(metadata_of "$D" "$1"); echo "${url#file://}/data"; }
q() { node "$ROOT/tools/duckdb-query.mjs" "$1"; }
sorted_ok() { # TABLE TOPIC SORT_SQL
  q "SELECT filename, file_row_number, $3, partition, \"offset\", order_id, amount::VARCHAR
     FROM read_parquet('$(data_dir "$1")/**/*.parquet', filename=true, file_row_number=true)
     ORDER BY filename, file_row_number" > "$D/rows-$1.json"
  $PY - "$D/rows-$1.json" "$D/all/expected-$2.json" "$(meta_file "$1")" <<'PY'
import decimal, json, sys
rows = json.load(open(sys.argv[1]))
exp = json.load(open(sys.argv[2]))
files = {}
for r in rows:
    files.setdefault(r[0], []).append(r)
for f, rs in files.items():
    keys = [tuple((v is not None, v) for v in r[2:4]) for r in rs]
    assert keys == sorted(keys), ("file not sorted", f, [k for a, k in zip(keys, keys[1:]) if a > k][:3])
got = sorted((r[4], r[5], r[6], r[7]) for r in rows)
want = sorted((e[0], e[1], e[2], e[3]) for e in exp)
assert got == want, ("rows", len(got), len(want))
print("sorted ok: %d rows in %d files" % (len(rows), len(files)))
assert len(files) > 1, "one file only: the sort buffer limit was not exercised"
# the sort order: metadata and every data file of the current snapshot
from avro.datafile import DataFileReader
from avro.io import DatumReader
import warnings
warnings.filterwarnings("ignore")
m = json.load(open(sys.argv[3]))
oid = m["default-sort-order-id"]
order = next(o for o in m["sort-orders"] if o["order-id"] == oid)
assert oid > 0 and all(f["direction"] == "asc" and f["null-order"] == "nulls-first" and
                       f["transform"] == "identity" for f in order["fields"]), order
snap = next(s for s in m["snapshots"] if s["snapshot-id"] == m["current-snapshot-id"])
n = 0
for e in DataFileReader(open(snap["manifest-list"][7:], "rb"), DatumReader()):
    for d in DataFileReader(open(e["manifest_path"][7:], "rb"), DatumReader()):
        assert d["data_file"]["sort_order_id"] == oid, d["data_file"]["sort_order_id"]
        n += 1
print("sort order %d on %d data files: %s" % (oid, n, order["fields"]))
PY
}
sorted_ok shop.orders orders "customer, order_id"
sorted_ok shop.clicks clicks "amount::DOUBLE, order_id"
expected "$D"
check_table "$D" orders shop.orders > "$D/ib1" || { cat "$D/ib1"; echo "FAIL: icebird orders"; exit 1; }
check_table "$D" clicks shop.clicks > "$D/ib2" || { cat "$D/ib2"; echo "FAIL: icebird clicks"; exit 1; }
echo "it_sort: ok"
