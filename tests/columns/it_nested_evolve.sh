#!/usr/bin/env bash
# Nested schema evolution end to end: a JSON mapping's struct column gains
# nested fields between two --once runs (address.geo.lon inside a nested
# struct, address.zip). The table's schema keeps the old ids and gives the
# new fields fresh ones; DuckDB's parquet_schema() shows those field ids
# in the old and the new data files; both files still read (the old one
# without the new fields, the new one with their values). A third run that
# narrows address.geo.lat (double -> float) is refused naming the path,
# and writes nothing.
source "$(dirname "$0")/../processor/lib.sh"
D=$WORK/nested; mkdir -p "$D/segments/bucket"
cat > "$D/values.jsonl" <<'EOF'
{"id":1,"address":{"city":"Bern","geo":{"lat":46.95,"lon":7.45},"zip":3000}}
{"id":2,"address":{"city":"Basel","geo":{"lat":47.56,"lon":7.59},"zip":4000}}
EOF
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 2 --value-json "$D/values.jsonl" --codec zstd --seed 5 --quiet
cp -r "$D/all/prod" "$D/segments/bucket/"

config() { # $1 = the address column's type [$2 = id's required: true]
  write_config "$D"
  $PY - "$D/config.yaml" "$1" "${2:-true}" <<'PY'
import sys
p, t, req = sys.argv[1:]
s = open(p).read()
head, _ = s.split("mappings:\n")
open(p, "w").write(head + "mappings:\n  - topic: orders\n    table: shop.orders\n"
    "    create_table_if_missing: true\n    schema:\n      columns: [{name: id, type: long, "
    "required: " + req + "}, {name: address, type: '" + t + "'}]\n")
PY
}
meta_file() { read -r url file < <(metadata_of "$D" shop.orders); echo "${url#file://}/metadata/$file"; }
data_dir() { read -r url file < <(metadata_of "$D" shop.orders); echo "${url#file://}/data"; }
# field ids of one data file as "path=id" lines, sorted (DuckDB)
ids_of() {
  node "$ROOT/tools/duckdb-query.mjs" \
    "SELECT name, field_id FROM parquet_schema('$1') WHERE field_id > 8" |
    $PY -c 'import json,sys; print(" ".join(sorted("%s=%s" % (n, i) for n, i in json.load(sys.stdin))))'
}

config "struct<city:string,geo:struct<lat:double>>"
"$BIN" --once -config="$D/config.yaml"
old=$(find "$(data_dir)" -name '*.parquet')
[ "$(echo "$old" | wc -l)" = 1 ] || { echo "expected one data file: $old"; exit 1; }
ids1=$(ids_of "$old")
# base 1..8, id 9, address 10, city 11, geo 12, lat 13
[ "$ids1" = "address=10 city=11 geo=12 id=9 lat=13" ] || { echo "run 1 ids: $ids1"; exit 1; }

# run 2: geo.lon and zip are added; old ids stay, new ones come after 13
config "struct<city:string,geo:struct<lat:double,lon:double>,zip:long>"
"$SEGGEN" --out "$D/all2" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 4 --value-json "$D/values.jsonl" --codec zstd --seed 5 --quiet
rm -rf "$D/segments/bucket/prod"
cp -r "$D/all2/prod" "$D/segments/bucket/"
"$BIN" --once -config="$D/config.yaml"
new=$(find "$(data_dir)" -name '*.parquet' | grep -v -F "$old")
[ "$(echo "$new" | wc -l)" = 1 ] || { echo "expected one new data file: $new"; exit 1; }
ids2=$(ids_of "$new")
[ "$ids2" = "address=10 city=11 geo=12 id=9 lat=13 lon=14 zip=15" ] ||
  { echo "run 2 ids: $ids2"; exit 1; }
[ "$(ids_of "$old")" = "$ids1" ] || { echo "the old file changed"; exit 1; }
$PY - "$(meta_file)" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
a = [f for f in s["fields"] if f["name"] == "address"][0]["type"]
geo = [f for f in a["fields"] if f["name"] == "geo"][0]["type"]
assert [(f["name"], f["id"], f["required"]) for f in geo["fields"]] == \
    [("lat", 13, False), ("lon", 14, False)], geo
assert [(f["name"], f["id"]) for f in a["fields"]] == [("city", 11), ("geo", 12), ("zip", 15)], a
assert m["last-column-id"] == 15 and len(m["schemas"]) == 2, m["last-column-id"]
PY
# both files read: the old one without the new fields, the new one with them
q1=$(node "$ROOT/tools/duckdb-query.mjs" \
  "SELECT id, address.geo.lat FROM read_parquet('$old') ORDER BY id")
[ "$q1" = '[[1,46.95],[2,47.56]]' ] || { echo "old file: $q1"; exit 1; }
q2=$(node "$ROOT/tools/duckdb-query.mjs" \
  "SELECT id, address.geo.lat, address.geo.lon, address.zip FROM read_parquet('$new') ORDER BY id")
[ "$q2" = '[[1,46.95,7.45,3000],[2,47.56,7.59,4000]]' ] || { echo "new file: $q2"; exit 1; }

# run 3: narrowing a nested field is refused with its path, nothing written
snaps() { $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("snapshots", [])))' "$(meta_file)"; }
before=$(snaps)
config "struct<city:string,geo:struct<lat:float,lon:double>,zip:long>"
if "$BIN" --once -config="$D/config.yaml" 2> "$D/err.txt"; then
  echo "narrowing run succeeded"; exit 1
fi
grep -q "table shop.orders: column address.geo.lat is double in the table, the mapping wants float" \
  "$D/err.txt" || { cat "$D/err.txt"; exit 1; }
[ "$before" = "$(snaps)" ] || { echo "snapshots changed on a refused run"; exit 1; }
# run 4: the mapping no longer requires id: the column becomes optional
# (same id), nothing else changes
config "struct<city:string,geo:struct<lat:double,lon:double>,zip:long>" false
"$BIN" --once -config="$D/config.yaml"
$PY - "$(meta_file)" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
f = [x for x in s["fields"] if x["name"] == "id"][0]
assert (f["id"], f["required"]) == (9, False), f
assert m["last-column-id"] == 15 and len(m["schemas"]) == 3, (m["last-column-id"], len(m["schemas"]))
PY
echo "nested evolution ok: $ids2"
