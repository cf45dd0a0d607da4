#!/usr/bin/env bash
# `iceberg-processor maintain` end to end (SQLite catalog, local
# warehouse): 12 --once commits, then with
# maintenance.expire_snapshots {max_age_seconds: 0, min_keep: 3}:
#   - --dry-run prints what it would do per table and changes nothing;
#   - maintain expires 9 snapshots of shop.orders, deletes their manifest
#     lists, prints one line per mapped table, exit 0;
#   - icebird and DuckDB read the table exactly, and the next --once over
#     new segments continues exactly (kafscale.offsets survived);
#   - --table names one table; an unknown one is a usage error (exit 1).
source "$(dirname "$0")/../processor/lib.sh"
D=$WORK/maint; mkdir -p "$D/all" "$D/segments/bucket/prod/orders/0"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 120 --segment-bytes 1200 --batch-records 4 --codec none \
  --value-bytes 20 --seed 9 --quiet
SEGS=($(ls "$D/all/prod/orders/0" | grep '\.kfs$' | sort))
[ ${#SEGS[@]} -ge 14 ] || { echo "FAIL: only ${#SEGS[@]} segments"; exit 1; }
write_config "$D"
cat >> "$D/config.yaml" <<'YAML'
maintenance:
  expire_snapshots: {max_age_seconds: 0, min_keep: 3}
  compaction: {min_input_files: 1000000}  # expiry only here: tests/maint/it_compact.sh
YAML
add_seg() {
  local s=${SEGS[$1]}
  cp "$D/all/prod/orders/0/$s" "$D/all/prod/orders/0/${s%.kfs}.index" "$D/segments/bucket/prod/orders/0/"
}
for i in $(seq 0 11); do
  add_seg "$i"
  "$BIN" --once -config="$D/config.yaml" 2> "$D/log-$i" || { cat "$D/log-$i"; echo "FAIL: run $i"; exit 1; }
done
snaps() { read -r url file < <(metadata_of "$D" shop.orders)
  $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("snapshots", [])))' "${url#file://}/metadata/$file"; }
lists() { find "$D/warehouse/shop/orders/metadata" -name 'snap-*.avro' | wc -l; }
[ "$(snaps)" = 12 ] || { echo "FAIL: $(snaps) snapshots before"; exit 1; }
before_lists=$(lists)

"$BIN" maintain -config="$D/config.yaml" --dry-run > "$D/dry.out" 2> "$D/dry.log" || { cat "$D/dry.out" "$D/dry.log"; echo "FAIL: dry run"; exit 1; }
cat "$D/dry.out"
grep -q '^shop.orders: dry run: files compacted 0 -> 0 (bytes 0 -> 0); manifests merged 0 -> 0; snapshots expired 9 (kept 3); deleted manifest lists 9, manifests 0, data files 0; orphans removed 0 (younger kept 0); bytes freed [1-9][0-9]*$' "$D/dry.out" \
  || { echo "FAIL: dry-run line"; exit 1; }
[ "$(snaps)" = 12 ] && [ "$(lists)" = "$before_lists" ] || { echo "FAIL: the dry run changed the table"; exit 1; }

"$BIN" maintain -config="$D/config.yaml" > "$D/m.out" 2> "$D/m.log" || { cat "$D/m.out" "$D/m.log"; echo "FAIL: maintain"; exit 1; }
cat "$D/m.out"
grep -q '^shop.orders: files compacted 0 -> 0 (bytes 0 -> 0); manifests merged 0 -> 0; snapshots expired 9 (kept 3); deleted manifest lists 9, manifests 0, data files 0; orphans removed 0 (younger kept 0); bytes freed [1-9][0-9]*$' "$D/m.out" \
  || { echo "FAIL: maintain line"; exit 1; }
[ "$(grep -c '^shop\.' "$D/m.out")" = 3 ] || { echo "FAIL: one line per mapped table"; exit 1; }
[ "$(snaps)" = 3 ] || { echo "FAIL: $(snaps) snapshots after"; exit 1; }
[ "$(lists)" = $((before_lists - 9)) ] || { echo "FAIL: manifest lists $(lists), want $((before_lists - 9))"; exit 1; }
expected "$D"
check_table "$D" orders shop.orders > "$D/c1" || { cat "$D/c1"; echo "FAIL: table after maintain"; exit 1; }

# the next run continues exactly where the table stands
rm -f "$D/state/offsets.json"
add_seg 12; add_seg 13
"$BIN" --once -config="$D/config.yaml" 2> "$D/log-next" || { cat "$D/log-next"; echo "FAIL: next run"; exit 1; }
expected "$D"
check_table "$D" orders shop.orders > "$D/c2" || { cat "$D/c2"; echo "FAIL: table after the next run"; exit 1; }

"$BIN" maintain -config="$D/config.yaml" --table shop.orders > "$D/one.out" 2>&1 || { cat "$D/one.out"; echo "FAIL: --table"; exit 1; }
[ "$(grep -c '^shop\.' "$D/one.out")" = 1 ] || { cat "$D/one.out"; echo "FAIL: --table prints one table"; exit 1; }
rc=0; "$BIN" maintain -config="$D/config.yaml" --table shop.nope > "$D/bad.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q 'shop.nope is not a mapped table' "$D/bad.out" || { cat "$D/bad.out"; echo "FAIL: unknown table: exit $rc"; exit 1; }
echo "it_maintain: ok"
