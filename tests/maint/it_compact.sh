#!/usr/bin/env bash
# Compaction end to end, SQLite catalog, local warehouse:
#   - 32 --once runs make 32 small commits to two tables:
#       shop.orders  partition_by [day(event_time), bucket(2, customer)]
#       shop.clicks  unpartitioned, sort_by [customer, order_id]
#   - a dry run changes nothing;
#   - `iceberg-processor maintain` (target 1 MiB, min_input_files 5)
#     replaces the small files of every group of at least 5 with one file
#     per group: the current snapshot is a replace with DELETED entries and
#     the same kafscale.offsets (python3-avro); DuckDB reads the same rows
#     in the same order (full ordered dump of the live files, before and
#     after); icebird reads the table exactly; the files of the sorted
#     table are sorted (file_row_number) and carry the sort order id;
#   - the next --once continues exactly (new rows once);
#   - compact_tool with an append landing between the rewrite and the
#     commit (a real conflict): rebased, committed on attempt 2, exactly
#     once; with a compaction landing there instead (the inputs vanish):
#     the bins are abandoned, their outputs deleted, the table exact;
#   - files written before and after a schema change are compacted into
#     separate files (one bin per Parquet schema).
source "$(dirname "$0")/../processor/lib.sh"
TOOL=$(dirname "$BIN")/compact_tool
D=$WORK/compact; mkdir -p "$D/all" "$D/segments/bucket/prod"
$PY "$ROOT/tests/processor/gen_orders.py" "$D/all" --partitions 1 --records 1400 --hours 30 \
  --per-segment 30 --per-batch 5 > /dev/null
write_config "$D"
$PY - "$D/config.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
head, _ = s.split("mappings:\n")
cols = ('[{name: order_id, type: long}, {name: amount, type: "decimal(10,2)"}, {name: status, type: string},'
        ' {name: event_time, type: timestamptz}, {name: customer, type: string}]')
open(p, "w").write(head + "maintenance:\n  compaction:\n    target_file_size_bytes: 1048576\n"
  "    min_input_files: 5\n" + "mappings:\n"
  "  - topic: orders\n    table: shop.orders\n    create_table_if_missing: true\n"
  "    partition_by: [\"day(event_time)\", \"bucket(2, customer)\"]\n"
  "    schema:\n      columns: " + cols + "\n"
  "  - topic: clicks\n    table: shop.clicks\n    create_table_if_missing: true\n"
  "    sort_by: [customer, order_id]\n    schema:\n      columns: " + cols + "\n")
PY
SEGS=($(ls "$D/all/segments/bucket/prod/orders/0" | grep '\.kfs$' | sort))
[ ${#SEGS[@]} -ge 40 ] || { echo "FAIL: only ${#SEGS[@]} segments"; exit 1; }
add_seg() { # index -> segment i of both topics into the bucket
  local s=${SEGS[$1]} t
  for t in orders clicks; do
    mkdir -p "$D/segments/bucket/prod/$t/0"
    cp "$D/all/segments/bucket/prod/$t/0/$s" "$D/all/segments/bucket/prod/$t/0/${s%.kfs}.index" \
      "$D/segments/bucket/prod/$t/0/"
  done
}
once() {
  "$BIN" --once -config="$D/config.yaml" 2> "$D/log-once" || { cat "$D/log-once"; echo "FAIL: --once"; exit 1; }
}
for i in $(seq 0 31); do add_seg "$i"; once; done

meta_file() { read -r url file < <(metadata_of "$D" "$1"); echo "${url#file://}/metadata/$file"; }
live() { $PY "$ROOT/tests/maint/compact_check.py" live "$(meta_file "$1")"; }
q() { node "$ROOT/tools/duckdb-query.mjs" "$1"; }
# every row of the live files, in a total order
dump() { # TABLE -> rows as JSON
  local list
  list=$(live "$1" | $PY -c 'import json,sys; print(",".join("'"'"'%s'"'"'" % f["path"][7:] for f in json.load(sys.stdin)["files"]))')
  q "SELECT partition, \"offset\", record_id, timestamp_ms, hex(key), hex(value), headers, order_id,
            amount::VARCHAR, status, event_time::VARCHAR, customer
     FROM read_parquet([$list]) ORDER BY partition, \"offset\""
}
nfiles() { find "$D/warehouse" -name '*.parquet' | wc -l; }
for t in orders clicks; do
  live shop.$t > "$D/before-$t.json"
  dump shop.$t > "$D/dump-before-$t.json"
done
n=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["files"]))' "$D/before-orders.json")
[ "$n" -ge 40 ] || { echo "FAIL: only $n live files in shop.orders before compaction"; exit 1; }

# dry run: says, changes nothing
ls -R "$D/warehouse" | sort > "$D/tree-before"
"$BIN" maintain -config="$D/config.yaml" --dry-run > "$D/dry.out" 2> "$D/dry.log" \
  || { cat "$D/dry.out" "$D/dry.log"; echo "FAIL: maintain --dry-run"; exit 1; }
grep -q "shop.orders: dry run: files compacted [1-9]" "$D/dry.out" || { cat "$D/dry.out"; echo "FAIL: dry run output"; exit 1; }
ls -R "$D/warehouse" | sort > "$D/tree-dry"
cmp -s "$D/tree-before" "$D/tree-dry" || { echo "FAIL: the dry run changed the warehouse"; exit 1; }

"$BIN" maintain -config="$D/config.yaml" > "$D/maintain.out" 2> "$D/maintain.log" \
  || { cat "$D/maintain.out" "$D/maintain.log"; echo "FAIL: maintain"; exit 1; }
cat "$D/maintain.out"
grep -q "shop.orders: files compacted [1-9][0-9]* -> [1-9][0-9]* (bytes [0-9]* -> [0-9]*); manifests merged [1-9][0-9]* -> [1-9]" "$D/maintain.out" || { echo "FAIL: maintain output"; exit 1; }
grep -q "shop.clicks: files compacted [1-9][0-9]* -> 1 " "$D/maintain.out" || { echo "FAIL: maintain output (clicks)"; exit 1; }
for t in orders clicks; do
  live shop.$t > "$D/after-$t.json"
  $PY "$ROOT/tests/maint/compact_check.py" check "$D/before-$t.json" "$D/after-$t.json" \
    "$(meta_file shop.$t)" 5 1048576 || { echo "FAIL: shop.$t after compaction"; exit 1; }
  dump shop.$t > "$D/dump-after-$t.json"
  cmp -s "$D/dump-before-$t.json" "$D/dump-after-$t.json" || { echo "FAIL: shop.$t rows changed"; exit 1; }
done
# the sorted table: one live file, sorted, with the default order's id
$PY - "$D/after-clicks.json" "$(meta_file shop.clicks)" <<'PY' || exit 1
import json, sys
a, m = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert len(a["files"]) == 1, len(a["files"])
oid = m["default-sort-order-id"]
assert oid > 0 and a["files"][0]["sort_order_id"] == oid, (oid, a["files"][0])
PY
f=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][0]["path"][7:])' "$D/after-clicks.json")
q "SELECT customer, order_id FROM read_parquet('$f', file_row_number=true) ORDER BY file_row_number" > "$D/sorted.json"
$PY -c '
import json, sys
r = [tuple(x) for x in json.load(open(sys.argv[1]))]
assert len(r) > 500 and r == sorted(r, key=lambda x: ((x[0] is not None, x[0]), (x[1] is not None, x[1]))), "not sorted"
' "$D/sorted.json" || { echo "FAIL: the compacted file of shop.clicks is not sorted"; exit 1; }
expected "$D"
check_table "$D" orders shop.orders > "$D/ib1" || { cat "$D/ib1"; echo "FAIL: icebird orders"; exit 1; }
check_table "$D" clicks shop.clicks > "$D/ib2" || { cat "$D/ib2"; echo "FAIL: icebird clicks"; exit 1; }

# the next run continues exactly where the table stands
rm -f "$D/state/offsets.json"
for i in 32 33; do add_seg "$i"; done
once
expected "$D"
check_table "$D" orders shop.orders > "$D/ib3" || { cat "$D/ib3"; echo "FAIL: icebird orders after the next run"; exit 1; }
check_table "$D" clicks shop.clicks > "$D/ib4" || { cat "$D/ib4"; echo "FAIL: icebird clicks after the next run"; exit 1; }

# more small commits (shop.clicks gains a column from run 37 on: its files
# of before and after are compacted apart), then an append lands between
# rewrite and commit
for i in $(seq 34 36); do add_seg "$i"; once; done
$PY - "$D/config.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
i = s.rindex("{name: customer, type: string}]")
open(p, "w").write(s[:i] + "{name: customer, type: string}, {name: note, type: string}]" + s[i + 31:])
PY
for i in $(seq 37 39); do add_seg "$i"; once; done
add_seg 40
export COMPACT_HOOK="'$BIN' --once -config='$D/config.yaml' 2> '$D/log-hook'"
"$TOOL" sql "sqlite://$D/catalog.db" "file://$D/warehouse" shop orders 1048576 5 > "$D/race.json" 2> "$D/race.log" \
  || { cat "$D/race.log"; echo "FAIL: compaction with a concurrent append"; exit 1; }
unset COMPACT_HOOK
cat "$D/race.json"
$PY -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["attempts"] == 2 and r["files_in"] >= 5 and r["abandoned"] == 0, r' \
  "$D/race.json" || { echo "FAIL: not rebased"; exit 1; }
expected "$D"
check_table "$D" orders shop.orders > "$D/ib5" || { cat "$D/ib5"; echo "FAIL: icebird after the rebased compaction"; exit 1; }

# the inputs vanish (another compaction lands first): abandoned, no output left
for i in $(seq 41 $((${#SEGS[@]} - 1))); do add_seg "$i"; once; done
live shop.clicks > "$D/before-v.json"
before=$(nfiles)
export COMPACT_HOOK="COMPACT_HOOK= '$TOOL' sql 'sqlite://$D/catalog.db' 'file://$D/warehouse' shop clicks 1048576 5 > '$D/inner.json'"
"$TOOL" sql "sqlite://$D/catalog.db" "file://$D/warehouse" shop clicks 1048576 5 > "$D/outer.json" 2> "$D/outer.log" \
  || { cat "$D/outer.log"; echo "FAIL: compaction whose inputs vanish"; exit 1; }
unset COMPACT_HOOK
cat "$D/inner.json" "$D/outer.json"
$PY -c '
import json, sys
i, o = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
# two schemas, two bins: 5 files of the old one, the rest of the new one
assert i["files_out"] == 2 and i["groups"] == 2 and i["attempts"] == 1, i
assert o["abandoned"] == 2 and o["files_out"] == 0 and o["snapshot"] == -1 and o["attempts"] == 1, o
' "$D/inner.json" "$D/outer.json" || { echo "FAIL: vanished inputs"; exit 1; }
[ "$(nfiles)" = $((before + 2)) ] || { echo "FAIL: $(nfiles) data files, expected $((before + 2)): an abandoned output was left"; exit 1; }
# every row of both bins is there, each file of one schema (DuckDB reads
# the new column as null in the old files)
live shop.clicks > "$D/after-v.json"
$PY -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a["files"]) == 2 and all(f["sort_order_id"] for f in a["files"]), a["files"]
' "$D/after-v.json" || { echo "FAIL: shop.clicks after the schema change"; exit 1; }
expected "$D"
check_table "$D" clicks shop.clicks > "$D/ib6" || { cat "$D/ib6"; echo "FAIL: icebird after vanished inputs"; exit 1; }
echo "it_compact: ok"
