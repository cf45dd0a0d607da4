#!/usr/bin/env bash
# Registry columns end to end: schema.source registry, the JSON Schema
# served by a local HTTP server at {base_url}/{topic}.json; the table is
# created with its columns (integer->long, number->double, boolean,
# string, ["string","null"] -> string; a property named like a base
# column ("key") is skipped with a warning; `required` is validation's business
# (schema.mode), so the columns are optional and a value without "id" is a
# row with a null id). With the registry down, the existing table keeps
# its schema and the run still appends. Back up with a changed document
# (a new property, and a nested object one: a struct column with a list
# inside), a running processor evolves the table after its next commit
# without a restart: the new rows fill the new columns, old files read as
# null there.
source "$(dirname "$0")/../processor/lib.sh"
D=$WORK/reg; mkdir -p "$D/segments/bucket" "$D/registry"
cat > "$D/registry/orders.json" <<'JSON'
{"type": "object", "required": ["id"],
 "properties": {"id": {"type": "integer"}, "price": {"type": "number"},
   "ok": {"type": "boolean"}, "name": {"type": ["string", "null"]},
   "tags": {"type": "array"}, "key": {"type": "string"}}}
JSON
printf '%s\n' '{"id":9223372036854775807,"price":1.5,"ok":true,"name":"a"}' \
  '{"price":2}' '{"id":-1,"name":null,"tags":[1]}' > "$D/values.jsonl"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 3 --value-json "$D/values.jsonl" --seed 5 --quiet
cp -r "$D/all/prod" "$D/segments/bucket/"
SERVER=
serve() { # PORT (0: any free one) -> $D/port
  rm -f "$D/port"
  $PY - "$D/registry" "$D/port" "$1" <<'PY' &
import http.server, socketserver, sys, os, functools
class Q(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
socketserver.TCPServer.allow_reuse_address = True
s = socketserver.TCPServer(("127.0.0.1", int(sys.argv[3])), functools.partial(Q, directory=sys.argv[1]))
open(sys.argv[2] + ".tmp", "w").write(str(s.server_address[1])); os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
PY
  SERVER=$!
  for _ in $(seq 100); do [ -f "$D/port" ] && break; sleep 0.1; done
}
PIDS=()
trap 'kill $SERVER "${PIDS[@]}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
serve 0
PORT=$(cat "$D/port")
write_config "$D"
$PY - "$D/config.yaml" "$PORT" <<'PY'
import sys
p, port = sys.argv[1:]
s = open(p).read()
head, _ = s.split("mappings:\n")
head = head.replace("\nlog:\n", "\nschema:\n  registry:\n    base_url: http://127.0.0.1:%s/\n    cache_seconds: 60\nlog:\n" % port)
open(p, "w").write(head + "mappings:\n  - {topic: orders, table: shop.orders, create_table_if_missing: true,\n"
    "     schema: {source: registry}}\n")
PY
"$BIN" --once -config="$D/config.yaml" 2> "$D/run1.log" || { cat "$D/run1.log"; exit 1; }
# "key" is a base column: that property is skipped, the rest still apply
grep -q 'registry property named like a base column; not a column" topic=orders property=key' "$D/run1.log" ||
  { cat "$D/run1.log"; echo "base-column property not reported"; exit 1; }
read -r url file < <(metadata_of "$D" shop.orders)
META="${url#file://}/metadata/$file"; DATA="${url#file://}/data"
$PY - "$META" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
got = [(f["id"], f["name"], f["type"], f["required"]) for f in s["fields"][8:]]
assert got == [(9, "id", "long", False), (10, "price", "double", False),
               (11, "ok", "boolean", False), (12, "name", "string", False)], got
print("registry schema ok:", got)
PY
Q="SELECT \"offset\", CAST(id AS VARCHAR), price, ok, name FROM read_parquet('$DATA/*.parquet') ORDER BY \"offset\""
got=$(node "$ROOT/tools/duckdb-query.mjs" "$Q")
want='[[0,"9223372036854775807",1.5,true,"a"],[1,null,2,null,null],[2,"-1",null,null,null]]'
[ "$got" = "$want" ] || { echo "rows: $got, want $want"; exit 1; }
# registry down: the existing table keeps its schema, new records still land
kill $SERVER; wait $SERVER 2>/dev/null || true
"$SEGGEN" --out "$D/all2" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 6 --value-json "$D/values.jsonl" --seed 5 --quiet
rm -rf "$D/segments/bucket/prod"; cp -r "$D/all2/prod" "$D/segments/bucket/"
"$BIN" --once -config="$D/config.yaml" 2> "$D/err.txt" || { cat "$D/err.txt"; exit 1; }
grep -q "schema registry unavailable; keeping the table's schema" "$D/err.txt" || { cat "$D/err.txt"; exit 1; }
got=$(node "$ROOT/tools/duckdb-query.mjs" "$Q")
want='[[0,"9223372036854775807",1.5,true,"a"],[1,null,2,null,null],[2,"-1",null,null,null],[3,"9223372036854775807",1.5,true,"a"],[4,null,2,null,null],[5,"-1",null,null,null]]'
[ "$got" = "$want" ] || { echo "rows after outage: $got, want $want"; exit 1; }

# registry back with a new property; a run-mode processor picks it up
serve "$PORT"
$PY - "$D/registry/orders.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["properties"]["qty"] = {"type": "integer"}
d["definitions"] = {"geo": {"type": "object", "properties": {"lat": {"type": "number"}}}}
d["properties"]["addr"] = {"type": ["object", "null"], "properties": {
    "city": {"type": "string"}, "geo": {"$ref": "#/definitions/geo"},
    "codes": {"type": "array", "items": {"type": "integer"}}}}
json.dump(d, open(sys.argv[1] + ".v2", "w"))
PY
sed -i 's/cache_seconds: 60/cache_seconds: 1/; s/level: warn/level: info/' "$D/config.yaml"
"$BIN" -config="$D/config.yaml" 2> "$D/run.log" & PIDS+=($!)
sleep 2 # v1 document loaded, table open, idle
mv "$D/registry/orders.json.v2" "$D/registry/orders.json"
for _ in $(seq 100); do grep -q "table schema evolved" "$D/run.log" && break; sleep 0.1; done
grep -q "table schema evolved" "$D/run.log" || { cat "$D/run.log"; echo "running processor did not evolve the table"; exit 1; }
{ head -3 "$D/values.jsonl"; head -3 "$D/values.jsonl"
  printf '%s\n' '{"id":7,"qty":70,"addr":{"city":"Bern","geo":{"lat":46.9},"codes":[3,1]}}' \
    '{"id":8,"qty":-9223372036854775808}' '{"id":9}'; } > "$D/values9.jsonl"
# one record per segment; the new ones (offsets 6..8) arrive as new objects
"$SEGGEN" --out "$D/all3" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 9 --value-json "$D/values9.jsonl" --seed 5 --quiet \
  --batch-records 1 --segment-bytes 1
for f in "$D"/all3/prod/orders/0/segment-*.kfs; do
  b=$(basename "$f" .kfs); b=${b#segment-}
  if [ $((10#$b)) -ge 6 ]; then cp "$f" "${f%.kfs}.index" "$D/segments/bucket/prod/orders/0/"; fi
done
ls "$D/segments/bucket/prod/orders/0/"*.kfs | wc -l | grep -qx 4 || { echo "segments: $(ls "$D/segments/bucket/prod/orders/0/")"; exit 1; }
for _ in $(seq 100); do
  grep -q '"offset": *8' "$D/state/offsets.json" 2> /dev/null && break; sleep 0.1; done
kill -TERM "${PIDS[0]}"; wait "${PIDS[0]}" || { cat "$D/run.log"; echo "run mode exit $?"; exit 1; }
read -r url file < <(metadata_of "$D" shop.orders)
$PY - "${url#file://}/metadata/$file" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
got = [(f["id"], f["name"], f["type"]) for f in s["fields"][8:]]
assert got[:5] == [(9, "id", "long"), (10, "price", "double"), (11, "ok", "boolean"),
                   (12, "name", "string"), (13, "qty", "long")], got
a = s["fields"][13]
assert a["name"] == "addr" and a["id"] == 14 and not a["required"], a
nested = [(f["id"], f["name"], f["required"]) for f in a["type"]["fields"]]
assert nested == [(15, "city", False), (16, "geo", False), (18, "codes", False)], nested
assert a["type"]["fields"][1]["type"]["fields"][0]["id"] == 17
assert a["type"]["fields"][2]["type"]["element-id"] == 19
assert m["last-column-id"] == 19, m["last-column-id"]
assert len(m["schemas"]) == 2, [x["schema-id"] for x in m["schemas"]]
print("evolved while running:", got[-1])
PY
Q3="SELECT \"offset\", addr.city, addr.geo.lat, CAST(addr.codes AS VARCHAR) FROM read_parquet('$DATA/*.parquet', union_by_name=true) WHERE \"offset\" >= 6 ORDER BY \"offset\""
got=$(node "$ROOT/tools/duckdb-query.mjs" "$Q3")
want='[[6,"Bern",46.9,"[3, 1]"],[7,null,null,null],[8,null,null,null]]'
[ "$got" = "$want" ] || { echo "nested registry rows: $got, want $want"; exit 1; }
Q2="SELECT \"offset\", CAST(id AS VARCHAR), CAST(qty AS VARCHAR) FROM read_parquet('$DATA/*.parquet', union_by_name=true) ORDER BY \"offset\""
got=$(node "$ROOT/tools/duckdb-query.mjs" "$Q2")
want='[[0,"9223372036854775807",null],[1,null,null],[2,"-1",null],[3,"9223372036854775807",null],[4,null,null],[5,"-1",null],[6,"7","70"],[7,"8","-9223372036854775808"],[8,"9",null]]'
[ "$got" = "$want" ] || { echo "rows after evolution: $got, want $want"; exit 1; }
echo "registry change applied by a running processor: column qty added, 9 rows exact"
echo "1 passed, 0 failed"
