#!/usr/bin/env bash
# Snapshot expiry over the REST catalog (tests/catalog/rest_server.py):
#   - 10 --once runs make 10 snapshots; expiry with min_keep 3 sends
#     remove-snapshots with assert-table-uuid and assert-ref-snapshot-id;
#     the server applies it and answers 503 (unknown outcome): expire_tool
#     reloads, sees the snapshots gone, counts the removal as applied and
#     deletes the 7 expired manifest lists; every file of the 3 kept
#     snapshots exists, icebird + DuckDB read the table exactly;
#   - a first attempt answered 409 without applying: reloaded, planned
#     again, sent again;
#   - the server refuses (400) removing main's snapshot or a ref's;
#   - the next --once (offsets cache removed) continues exactly.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/../catalog/rest_lib.sh"
TOOL=$(dirname "$BIN")/expire_tool
D=$WORK/expire-rest; mkdir -p "$D/all" "$D/segments/bucket/prod/orders/0"
start_server "$D"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 120 --segment-bytes 1200 --batch-records 4 --codec none \
  --value-bytes 20 --seed 9 --quiet
SEGS=($(ls "$D/all/prod/orders/0" | grep '\.kfs$' | sort))
[ ${#SEGS[@]} -ge 13 ] || { echo "FAIL: only ${#SEGS[@]} segments"; exit 1; }
MAPPINGS='  - {topic: orders, table: shop.orders, create_table_if_missing: true}' write_rest_config "$D" "$URL"
add_seg() {
  local s=${SEGS[$1]}
  cp "$D/all/prod/orders/0/$s" "$D/all/prod/orders/0/${s%.kfs}.index" "$D/segments/bucket/prod/orders/0/"
}
for i in $(seq 0 9); do
  add_seg "$i"
  "$BIN" --once -config="$D/config.yaml" 2> "$D/log-$i" || { cat "$D/log-$i"; echo "FAIL: run $i"; exit 1; }
done
reach() {
  read -r url file < <(rest_metadata_of "$D" shop.orders)
  $PY "$ROOT/tests/maint/reach.py" "${url#file://}/metadata/$file"
}
reach > "$D/before.json"

set_faults "$URL" '{"queue": ["503-after"]}'
"$TOOL" rest "$URL" "file://$D/warehouse" shop orders 0 3 > "$D/result.json" 2> "$D/tool.log" \
  || { cat "$D/tool.log" "$D/server.log"; echo "FAIL: expiry over REST"; exit 1; }
reach > "$D/after.json"
$PY "$ROOT/tests/maint/check_expiry.py" "$D/before.json" "$D/after.json" "$D/result.json" "$D/warehouse" 7 3 || exit 1
$PY -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["attempts"] == 1, r' "$D/result.json" || exit 1
stats "$URL" | $PY -c 'import json,sys; f = json.load(sys.stdin)["faults"]; assert f.get("503-after") == 1, f' \
  || { echo "FAIL: the 503 was not injected"; exit 1; }
expected "$D"
rest_check_table "$D" orders shop.orders > "$D/check1" || { cat "$D/check1"; echo "FAIL: table after expiry"; exit 1; }

# refused by the server: main's snapshot, and a ref's (a tag added here)
$PY - "$URL" "$D/after.json" <<'PY' || exit 1
import json, sys, urllib.request, urllib.error
url, after = sys.argv[1], json.load(open(sys.argv[2]))
cur = int(after["current"])
other = next(int(s) for s in after["snapshots"] if int(s) != cur)
def commit(updates):
    req = urllib.request.Request(url + "/v1/namespaces/shop/tables/orders", method="POST",
                                 data=json.dumps({"requirements": [], "updates": updates}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req)
        return 200
    except urllib.error.HTTPError as e:
        return e.code
assert commit([{"action": "remove-snapshots", "snapshot-ids": [cur]}]) == 400
assert commit([{"action": "set-snapshot-ref", "ref-name": "keep", "type": "tag", "snapshot-id": other}]) == 200
assert commit([{"action": "remove-snapshots", "snapshot-ids": [other]}]) == 400
PY

# a 409 first: reloaded, planned again (the tag now protects its snapshot)
for i in 10 11; do
  add_seg "$i"
  "$BIN" --once -config="$D/config.yaml" 2> "$D/log-$i" || { cat "$D/log-$i"; echo "FAIL: run $i"; exit 1; }
done
reach > "$D/before2.json"
set_faults "$URL" '{"queue": ["409"]}'
"$TOOL" rest "$URL" "file://$D/warehouse" shop orders 0 3 > "$D/result2.json" 2> "$D/tool2.log" \
  || { cat "$D/tool2.log"; echo "FAIL: expiry after a 409"; exit 1; }
reach > "$D/after2.json"
# 5 snapshots: 3 newest kept, the tagged one kept, 1 expired
$PY "$ROOT/tests/maint/check_expiry.py" "$D/before2.json" "$D/after2.json" "$D/result2.json" "$D/warehouse" 1 4 || exit 1
$PY -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["attempts"] == 2, r' "$D/result2.json" || exit 1

# the next run continues where the table stands
rm -f "$D/state/offsets.json"
for i in $(seq 12 $((${#SEGS[@]} - 1))); do add_seg "$i"; done
"$BIN" --once -config="$D/config.yaml" 2> "$D/log-next" || { cat "$D/log-next"; echo "FAIL: run after expiry"; exit 1; }
expected "$D"
rest_check_table "$D" orders shop.orders > "$D/check2" || { cat "$D/check2"; echo "FAIL: table after the next run"; exit 1; }
echo "it_expire_rest: ok"
