#!/usr/bin/env bash
# Compaction over the REST catalog (tests/catalog/rest_server.py): the
# replace snapshot goes as add-snapshot (operation replace) with
# assert-table-uuid and assert-ref-snapshot-id main.
#   - 12 --once runs make 12 small files; the server applies the commit
#     and answers 503 (unknown outcome): compact_tool reloads, finds its
#     snapshot, counts it applied (one attempt), deletes nothing of it;
#     the table is a replace with the same kafscale.offsets, read exactly
#     by icebird + DuckDB;
#   - a 409 first (not applied): reloaded, rebuilt, sent again (2 attempts);
#   - the next --once (offsets cache removed) continues exactly.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/../catalog/rest_lib.sh"
TOOL=$(dirname "$BIN")/compact_tool
D=$WORK/compact-rest; mkdir -p "$D/all" "$D/segments/bucket/prod/orders/0"
start_server "$D"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 160 --segment-bytes 1200 --batch-records 4 --codec none \
  --value-bytes 20 --seed 11 --quiet
SEGS=($(ls "$D/all/prod/orders/0" | grep '\.kfs$' | sort))
[ ${#SEGS[@]} -ge 20 ] || { echo "FAIL: only ${#SEGS[@]} segments"; exit 1; }
MAPPINGS='  - {topic: orders, table: shop.orders, create_table_if_missing: true}' write_rest_config "$D" "$URL"
add_seg() {
  local s=${SEGS[$1]}
  cp "$D/all/prod/orders/0/$s" "$D/all/prod/orders/0/${s%.kfs}.index" "$D/segments/bucket/prod/orders/0/"
}
once() {
  "$BIN" --once -config="$D/config.yaml" 2> "$D/log-once" || { cat "$D/log-once"; echo "FAIL: --once"; exit 1; }
}
meta_file() { read -r url file < <(rest_metadata_of "$D" shop.orders); echo "${url#file://}/metadata/$file"; }
live() { $PY "$ROOT/tests/maint/compact_check.py" live "$(meta_file)"; }
compact() { # OUT -> compact_tool over REST
  "$TOOL" rest "$URL" "file://$D/warehouse" shop orders 1048576 5 > "$1" 2> "$1.log" \
    || { cat "$1.log" "$D/server.log"; echo "FAIL: compaction over REST"; exit 1; }
  cat "$1"
}
for i in $(seq 0 11); do add_seg "$i"; once; done
live > "$D/before.json"

set_faults "$URL" '{"queue": ["503-after"]}'
compact "$D/r1.json"
live > "$D/after.json"
$PY "$ROOT/tests/maint/compact_check.py" check "$D/before.json" "$D/after.json" "$(meta_file)" 5 1048576 || exit 1
$PY -c '
import json, sys
r = json.load(open(sys.argv[1])); a = json.load(open(sys.argv[2]))
assert r["attempts"] == 1 and r["files_in"] == 12 and r["files_out"] == 1, r
assert a["current"] == r["snapshot"] and len(a["files"]) == 1, a["current"]
' "$D/r1.json" "$D/after.json" || exit 1
stats "$URL" | $PY -c 'import json,sys; f = json.load(sys.stdin)["faults"]; assert f.get("503-after") == 1, f' \
  || { echo "FAIL: the 503 was not injected"; exit 1; }
# the output it committed is there (an unknown outcome deletes nothing)
[ -f "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][0]["path"][7:])' "$D/after.json")" ] \
  || { echo "FAIL: the committed output is gone"; exit 1; }
expected "$D"
rest_check_table "$D" orders shop.orders > "$D/check1" || { cat "$D/check1"; echo "FAIL: table after compaction"; exit 1; }

for i in $(seq 12 17); do add_seg "$i"; once; done
live > "$D/before2.json"
set_faults "$URL" '{"queue": ["409"]}'
compact "$D/r2.json"
live > "$D/after2.json"
$PY "$ROOT/tests/maint/compact_check.py" check "$D/before2.json" "$D/after2.json" "$(meta_file)" 5 1048576 || exit 1
$PY -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["attempts"] == 2 and r["files_in"] == 7, r' \
  "$D/r2.json" || { echo "FAIL: no retry after the 409"; exit 1; }
# the lists of the refused attempt are deleted: one list per snapshot
n_lists=$(ls "$D/warehouse"/shop/orders/metadata/snap-*.avro | wc -l)
n_snaps=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["snapshots"]))' "$(meta_file)")
[ "$n_lists" = "$n_snaps" ] || { echo "FAIL: $n_lists manifest lists for $n_snaps snapshots"; exit 1; }
expected "$D"
rest_check_table "$D" orders shop.orders > "$D/check2" || { cat "$D/check2"; echo "FAIL: table after the 409"; exit 1; }

rm -f "$D/state/offsets.json"
for i in $(seq 18 $((${#SEGS[@]} - 1))); do add_seg "$i"; done
once
expected "$D"
rest_check_table "$D" orders shop.orders > "$D/check3" || { cat "$D/check3"; echo "FAIL: table after the next run"; exit 1; }
echo "it_compact_rest: ok"
