#!/usr/bin/env bash
# Snapshot expiry end to end (icp_maint_expire through tests/maint/
# expire_tool.c), SQLite catalog and local warehouse:
#   - 30 --once runs over a growing segment set make 30 snapshots;
#   - a dry run counts what an expiry would do and changes nothing;
#   - expiry with min_keep 5 leaves 5 snapshots; every file a kept
#     snapshot reaches (manifest lists, manifests, data files, read with
#     python3-avro) still exists, every file only expired snapshots reached
#     is gone (here: their manifest lists, as appends carry manifests
#     over), nothing else in data/ remains;
#   - icebird and DuckDB read the table exactly (check_table);
#   - the current snapshot keeps kafscale.offsets: with the local offsets
#     cache removed, another --once over new segments continues exactly
#     (no duplicate, no loss);
#   - the same expiry again expires nothing and deletes nothing.
source "$(dirname "$0")/../processor/lib.sh"
TOOL=$(dirname "$BIN")/expire_tool
D=$WORK/expire; mkdir -p "$D/all" "$D/segments/bucket/prod/orders/0"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 260 --segment-bytes 1200 --batch-records 4 --codec none \
  --value-bytes 20 --seed 7 --quiet
SEGS=($(ls "$D/all/prod/orders/0" | grep '\.kfs$' | sort))
[ ${#SEGS[@]} -ge 33 ] || { echo "FAIL: only ${#SEGS[@]} segments"; exit 1; }
write_config "$D"
add_seg() { # index -> the segment and its index in the bucket
  local s=${SEGS[$1]}
  cp "$D/all/prod/orders/0/$s" "$D/all/prod/orders/0/${s%.kfs}.index" "$D/segments/bucket/prod/orders/0/"
}
for i in $(seq 0 29); do
  add_seg "$i"
  "$BIN" --once -config="$D/config.yaml" 2> "$D/log-$i" || { cat "$D/log-$i"; echo "FAIL: run $i"; exit 1; }
done

# files per snapshot of the current metadata: {snapshot: [list, manifests..., data...]}
reach() {
  read -r url file < <(metadata_of "$D" shop.orders)
  $PY "$ROOT/tests/maint/reach.py" "${url#file://}/metadata/$file"
}
reach > "$D/before.json"
n=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["snapshots"]))' "$D/before.json")
[ "$n" = 30 ] || { echo "FAIL: $n snapshots before expiry, expected 30"; exit 1; }
ls -R "$D/warehouse" | sort > "$D/tree-before"

# dry run: counts, changes nothing
"$TOOL" sql "sqlite://$D/catalog.db" "file://$D/warehouse" shop orders 0 5 dry > "$D/dry.json" \
  || { echo "FAIL: dry run"; exit 1; }
ls -R "$D/warehouse" | sort > "$D/tree-dry"
cmp -s "$D/tree-before" "$D/tree-dry" || { echo "FAIL: the dry run changed the warehouse"; exit 1; }
reach > "$D/after-dry.json"
cmp -s "$D/before.json" "$D/after-dry.json" || { echo "FAIL: the dry run changed the table"; exit 1; }

"$TOOL" sql "sqlite://$D/catalog.db" "file://$D/warehouse" shop orders 0 5 > "$D/result.json" \
  || { echo "FAIL: expiry"; exit 1; }
reach > "$D/after.json"
$PY "$ROOT/tests/maint/check_expiry.py" "$D/before.json" "$D/after.json" "$D/result.json" "$D/warehouse" 25 5 "$D/dry.json" || exit 1

expected "$D"
check_table "$D" orders shop.orders > "$D/check1" || { cat "$D/check1"; echo "FAIL: table after expiry"; exit 1; }

# the next run continues where the table stands (the offsets cache gone:
# only the current snapshot's kafscale.offsets says where)
rm -f "$D/state/offsets.json"
for i in $(seq 30 $((${#SEGS[@]} - 1))); do add_seg "$i"; done
"$BIN" --once -config="$D/config.yaml" 2> "$D/log-next" || { cat "$D/log-next"; echo "FAIL: run after expiry"; exit 1; }
expected "$D"
check_table "$D" orders shop.orders > "$D/check2" || { cat "$D/check2"; echo "FAIL: table after the next run"; exit 1; }

# again: 6 snapshots, min_keep 5 -> 1 more expires; then nothing
"$TOOL" sql "sqlite://$D/catalog.db" "file://$D/warehouse" shop orders 0 5 > "$D/again.json" || exit 1
"$TOOL" sql "sqlite://$D/catalog.db" "file://$D/warehouse" shop orders 0 5 > "$D/again2.json" || exit 1
$PY - "$D/again.json" "$D/again2.json" <<'PY' || exit 1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["expired"] == 1 and a["kept"] == 5 and a["lists"] == 1, a
assert b["expired"] == 0 and b["lists"] == b["manifests"] == b["data"] == 0 and b["attempts"] == 0, b
PY
check_table "$D" orders shop.orders > "$D/check3" || { cat "$D/check3"; echo "FAIL: table after a second expiry"; exit 1; }
echo "it_expire: ok"
