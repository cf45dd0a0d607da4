#!/usr/bin/env bash
# Typed mapping columns end to end: JSON values of every column type (flat
# and nested) -> --once -> the table's schema has the mapping columns with
# Iceberg ids, DuckDB reads every typed value back exactly (longs to the
# last bit, timestamps in micros), icebird still reads the base columns,
# and records whose required column is missing are dropped. Then the
# schema evolves: a second run adds a column and widens int->long (old
# files stay readable); a third run that narrows is refused before any
# data is written. Last, schema.mode strict: the partition stops at the
# first record whose required column is missing (offset 3), the records
# before it are committed, nothing at or past it. Last, the types analysts
# expect (decimal, timestamptz, uuid, time, an epoch_s format): DuckDB reads
# them exactly with the Parquet types Iceberg's mapping asks for, and the
# manifest's bounds are Iceberg's single-value serialisation.
# Reopened, the decimals compare equal (no new schema); decimal(10,2) ->
# decimal(12,2) is widened and a narrowing refused.
source "$(dirname "$0")/../processor/lib.sh"
D=$WORK/typed; mkdir -p "$D/segments/bucket"
$PY "$ROOT/tests/columns/typed_values.py" "$D"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 7 --value-json "$D/values.jsonl" --codec zstd --seed 3 --quiet
cp -r "$D/all/prod" "$D/segments/bucket/"

COLS1='[{name: id, type: long, required: true}, {name: qty, type: int},
        {name: price, type: double}, {name: ok, type: boolean}, {name: name, type: string},
        {name: blob, type: binary}, {name: ts, type: timestamp}, {name: day, type: date},
        {name: addr, type: "struct<city:string,zip:long,geo:list<double>>"},
        {name: tags, type: "list<string>"}, {name: attrs, type: "map<string,long>"},
        {name: items, type: "list<struct<sku:string,n:int>>"}]'
typed_config() { # $1 = columns yaml, $2 = allow_type_widening
  write_config "$D"
  $PY - "$D/config.yaml" "$1" "$2" <<'PY'
import sys
p, cols, widen = sys.argv[1:]
s = open(p).read()
head, _ = s.split("mappings:\n")
open(p, "w").write(head + "mappings:\n  - topic: orders\n    table: shop.orders\n"
    "    create_table_if_missing: true\n    schema:\n      columns: " + " ".join(cols.split()) +
    "\n      allow_type_widening: " + widen + "\n")
PY
}
meta_file() { read -r url file < <(metadata_of "$D" shop.orders); echo "${url#file://}/metadata/$file"; }
data_dir() { read -r url file < <(metadata_of "$D" shop.orders); echo "${url#file://}/data"; }

typed_config "$COLS1" false
"$BIN" --once -config="$D/config.yaml" 2> "$D/run1.log"
grep 'invalid record dropped' "$D/run1.log" | grep 'offset=3 reason="required column id missing' > /dev/null ||
  { cat "$D/run1.log"; echo "offset 3 not logged as invalid"; exit 1; }
# the schema: base 1..8, then the mapping columns with nested ids
$PY - "$(meta_file)" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
f = {x["name"]: x for x in s["fields"]}
assert [x["id"] for x in s["fields"]][:9] == list(range(1, 10)), s
assert f["id"]["type"] == "long" and f["id"]["required"] is True
assert f["ts"]["type"] == "timestamp" and f["day"]["type"] == "date"
a = f["addr"]["type"]
assert a["type"] == "struct" and [x["name"] for x in a["fields"]] == ["city", "zip", "geo"]
assert a["fields"][2]["type"]["type"] == "list" and a["fields"][2]["type"]["element"] == "double"
assert f["attrs"]["type"]["type"] == "map" and f["attrs"]["type"]["value"] == "long"
assert m["last-column-id"] == 30, m["last-column-id"]  # 8 + 12 columns + 10 nested ids
print("schema ok:", len(s["fields"]), "columns, last-column-id", m["last-column-id"])
PY
node "$ROOT/tools/columns-check.mjs" "$(data_dir)" "$(meta_file)" "$D/expected.json"
# icebird over the base columns: exactly the valid records (3, 4, 5 dropped)
expected "$D"
$PY - "$D/expected-orders.jsonl" <<'PY'
import json, sys
p = sys.argv[1]
rows = [json.loads(l) for l in open(p)]
keep = [r for r in rows if r["offset"] % 7 not in (3, 4, 5)]
assert len(keep) == 4, len(keep)
open(p, "w").write("".join(json.dumps(r) + "\n" for r in keep))
PY
check_table "$D" orders shop.orders

# run 2: a new column and int->long widening (allowed), new records
COLS2="${COLS1/\{name: qty, type: int\}/{name: qty, type: long\}}"
COLS2="${COLS2%]}, {name: extra, type: string}]"
typed_config "$COLS2" true
"$SEGGEN" --out "$D/all2" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 14 --value-json "$D/values.jsonl" --codec zstd --seed 3 --quiet
# the same records 0..6 (same seed), then 7..13 new: the same 7 values again
rm -rf "$D/segments/bucket/prod"
cp -r "$D/all2/prod" "$D/segments/bucket/"
"$BIN" --once -config="$D/config.yaml"
$PY - "$(meta_file)" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
f = {x["name"]: x for x in s["fields"]}
old = [x for x in m["schemas"] if x["schema-id"] != m["current-schema-id"]]
assert len(m["schemas"]) == 2, len(m["schemas"])
assert f["qty"]["type"] == "long" and f["qty"]["id"] == 10, f["qty"]
assert f["extra"]["id"] > max(x["id"] for x in old[0]["fields"]), f["extra"]
assert not f["extra"]["required"]
print("evolved ok: schema", m["current-schema-id"], "extra id", f["extra"]["id"])
PY
# old and new files together (qty int32 in the old ones, int64 in the new)
node "$ROOT/tools/columns-check.mjs" "$(data_dir)" "$(meta_file)" "$D/expected.json" 0 7
node "$ROOT/tools/columns-check.mjs" "$(data_dir)" "$(meta_file)" "$D/expected2.json" 7 14
expected "$D"
$PY - "$D/expected-orders.jsonl" <<'PY'
import json, sys
p = sys.argv[1]
rows = [json.loads(l) for l in open(p)]
keep = [r for r in rows if r["offset"] % 7 not in (3, 4, 5)]
assert len(keep) == 8, len(keep)
open(p, "w").write("".join(json.dumps(r) + "\n" for r in keep))
PY
check_table "$D" orders shop.orders

# run 3: narrowing long -> int is refused, nothing written
snaps_before=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("snapshots", [])))' "$(meta_file)")
typed_config "$COLS1" true
if "$BIN" --once -config="$D/config.yaml" 2> "$D/err.txt"; then
  echo "narrowing run succeeded"; exit 1
fi
grep -q "table shop.orders: column qty is long in the table, the mapping wants int" "$D/err.txt" || {
  cat "$D/err.txt"; exit 1; }
snaps_after=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("snapshots", [])))' "$(meta_file)")
[ "$snaps_before" = "$snaps_after" ] || { echo "snapshots changed on a refused run"; exit 1; }

# strict: a fresh table; the registry (validation) accepts anything, the
# mapping's required column decides
D=$WORK/strict; mkdir -p "$D/segments/bucket" "$D/registry"
echo '{}' > "$D/registry/orders.json"
cp -r "$WORK/typed/all/prod" "$D/segments/bucket/"
$PY - "$D/registry" "$D/port" <<'PY' &
import http.server, socketserver, sys, os, functools
class Q(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
s = socketserver.TCPServer(("127.0.0.1", 0), functools.partial(Q, directory=sys.argv[1]))
open(sys.argv[2] + ".tmp", "w").write(str(s.server_address[1])); os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
PY
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do [ -f "$D/port" ] && break; sleep 0.1; done
typed_config "$COLS1" false
sed -i "s|^log:|schema: {mode: strict, registry: {base_url: \"http://127.0.0.1:$(cat "$D/port")\"}}\nlog:|" "$D/config.yaml"
if "$BIN" --once -config="$D/config.yaml" 2> "$D/strict.log"; then
  echo "strict run with an invalid record exited 0"; exit 1; fi
grep 'partition stopped (on_invalid stop)' "$D/strict.log" |
  grep -q 'offset=3 reason="required column id missing' || { cat "$D/strict.log"; exit 1; }
got=$(node "$ROOT/tools/duckdb-query.mjs" "SELECT string_agg(CAST(\"offset\" AS VARCHAR), ',' ORDER BY \"offset\") FROM read_parquet('$(data_dir)/*.parquet')")
[ "$got" = '[["0,1,2"]]' ] || { echo "strict: offsets $got, want 0,1,2"; exit 1; }
grep -q '"offset": *2,' "$D/state/offsets.json" || { cat "$D/state/offsets.json"; exit 1; }
echo "strict: stopped at offset 3 (required column id missing); offsets 0..2 committed"

# metrics: values of a wrong kind are counted per column (a run-mode
# processor over the 7 records, scraped once they are committed)
kill $SERVER 2>/dev/null || true
D=$WORK/metrics; mkdir -p "$D/segments/bucket"
cp -r "$WORK/typed/all/prod" "$D/segments/bucket/"
typed_config "$COLS1" false
sed -i 's/level: warn/level: info/' "$D/config.yaml"
KAFSCALE_METRICS_ADDR=127.0.0.1:0 "$BIN" -config="$D/config.yaml" 2> "$D/run.log" & MPID=$!
for _ in $(seq 100); do grep -q '"offset": *6' "$D/state/offsets.json" 2> /dev/null && break; sleep 0.1; done
port=$(grep -o 'http endpoints listening.* port=[0-9]*' "$D/run.log" | sed 's/.*port=//')
curl -s "http://127.0.0.1:$port/metrics" > "$D/metrics.txt"
kill -TERM $MPID; wait $MPID
$PY - "$D/metrics.txt" <<'PY'
import sys, re
got = {}
for line in open(sys.argv[1]):
    m = re.match(r'kafscale_processor_column_coercion_nulls_total\{table="shop.orders",column="(\w+)"\} (\S+)', line)
    if m:
        got[m.group(1)] = float(m.group(2))
# record 2 has one value of a wrong kind in each of qty..day and two inside
# items (sku 1, n "x"); record 4's id 2^63 does not fit a long (counted,
# then the record is refused); records 0, 1 and 6 have none
want = {"qty": 1, "price": 1, "ok": 1, "name": 1, "blob": 1, "ts": 1, "day": 1, "id": 1, "items": 2}
bad = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
assert not bad, ("coercion nulls per column (got, want)", bad, got)
assert got.get("tags") == 0 and got.get("attrs") == 0 and got.get("addr") == 0, got
print("coercion nulls per column:", got)
PY

# the types analysts expect: decimal(10,2) (INT64), decimal(38,4) (FIXED 16),
# timestamptz (required), uuid, time, and a timestamp read as epoch
# seconds (format). DuckDB reads the values back exactly (decimals as
# text, instants as epoch micros, uuids as text) with the Parquet types
# Iceberg's mapping asks for; icebird still reads the table.
D=$WORK/analyst; mkdir -p "$D/segments/bucket"
$PY "$ROOT/tests/columns/analyst_values.py" "$D"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 5 --value-json "$D/values.jsonl" --codec zstd --seed 5 --quiet
cp -r "$D/all/prod" "$D/segments/bucket/"
typed_config '[{name: amt, type: "decimal(10,2)"}, {name: big, type: "Decimal(38, 4)"},
  {name: tz, type: timestamptz, required: true}, {name: u, type: uuid}, {name: t, type: time},
  {name: ts, type: timestamp, format: epoch_s}]' false
"$BIN" --once -config="$D/config.yaml"
$PY - "$(meta_file)" <<'PY2'
import json, sys
m = json.load(open(sys.argv[1]))
s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
f = {x["name"]: x for x in s["fields"]}
got = {k: f[k]["type"] for k in ("amt", "big", "tz", "u", "t", "ts")}
assert got == {"amt": "decimal(10,2)", "big": "decimal(38,4)", "tz": "timestamptz",
               "u": "uuid", "t": "time", "ts": "timestamp"}, got
assert f["tz"]["required"] is True and f["u"]["required"] is False
print("analyst types in the schema:", got)
PY2
files="read_parquet('$(data_dir)/*.parquet')"
# Parquet types as DuckDB sees them (physical, length, logical/converted)
node "$ROOT/tools/duckdb-query.mjs" "SELECT name, type, type_length, converted_type, logical_type,
  scale, precision FROM parquet_schema('$(ls "$(data_dir)"/*.parquet | head -1)')
  WHERE name IN ('amt','big','tz','u','t','ts') ORDER BY name" > "$D/pq.json"
node "$ROOT/tools/duckdb-query.mjs" "SELECT typeof(amt), typeof(big), typeof(tz), typeof(u),
  typeof(t), typeof(ts) FROM $files LIMIT 1" > "$D/types.json"
node "$ROOT/tools/duckdb-query.mjs" "SELECT CAST(amt AS VARCHAR), CAST(big AS VARCHAR),
  CAST(epoch_us(tz) AS VARCHAR), CAST(u AS VARCHAR), CAST(t AS VARCHAR),
  CAST(epoch_us(ts) AS VARCHAR) FROM $files ORDER BY \"offset\"" > "$D/got.json"
$PY - "$D" <<'PY2'
import json, sys
d = sys.argv[1]
pq = {r[0]: r[1:] for r in json.load(open(d + "/pq.json"))}
def has(col, *words):
    text = " ".join(str(x) for x in pq[col])
    assert all(w in text for w in words), (col, pq[col], words)
has("amt", "INT64", "DECIMAL", "2", "10")
has("big", "FIXED_LEN_BYTE_ARRAY", "16", "DECIMAL", "4", "38")
has("u", "FIXED_LEN_BYTE_ARRAY", "16", "UUID")
has("t", "INT64", "TimeType(isAdjustedToUTC=0", "MICROS=MicroSeconds()")
has("tz", "INT64", "TimestampType(isAdjustedToUTC=1", "MICROS=MicroSeconds()")
has("ts", "INT64", "TimestampType(isAdjustedToUTC=0", "MICROS=MicroSeconds()")
types = json.load(open(d + "/types.json"))[0]
assert types == ["DECIMAL(10,2)", "DECIMAL(38,4)", "TIMESTAMP WITH TIME ZONE", "UUID",
                 "TIME", "TIMESTAMP"], types
got, want = json.load(open(d + "/got.json")), json.load(open(d + "/expected.json"))
bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if g != w]
assert len(got) == len(want) and not bad, ("rows (offset, got, want)", bad, got)
print("DuckDB reads the analyst types exactly:", len(got), "rows")
PY2
# the manifest's bounds in Iceberg's single-value serialisation: decimals
# as minimal big-endian two's complement of the unscaled value, uuid 16
# bytes, time/timestamptz little-endian micros
$PY - "$(meta_file)" <<'PY2'
import json, struct, sys, warnings
import avro.datafile, avro.io
warnings.simplefilter("ignore")
m = json.load(open(sys.argv[1]))
snap = [x for x in m["snapshots"] if x["snapshot-id"] == m["current-snapshot-id"]][0]
def entries(url):
    with open(url.replace("file://", ""), "rb") as fh:
        return list(avro.datafile.DataFileReader(fh, avro.io.DatumReader()))
files = [e["data_file"] for ml in entries(snap["manifest-list"]) for e in entries(ml["manifest_path"])]
assert len(files) == 1, len(files)
lo = {x["key"]: x["value"] for x in files[0]["lower_bounds"]}
hi = {x["key"]: x["value"] for x in files[0]["upper_bounds"]}
def dec(v):  # minimal two's complement, big-endian
    n = 1
    while not -(1 << (8 * n - 1)) <= v < (1 << (8 * n - 1)):
        n += 1
    return v.to_bytes(n, "big", signed=True)
le = lambda v: struct.pack("<q", v)
want = {  # field id: (lower, upper); amt 9, big 10, tz 11, u 12, t 13, ts 14
    9: (dec(-1), dec(1234567891)),
    10: (dec(-1), dec(10 ** 36 - 1)),
    11: (le(-14164939876544), le(1709251200000000)),
    12: (bytes.fromhex("123e4567e89b12d3a456426614174000"), b"\xff" * 16),
    13: (le(0), le(86399999999)),
    14: (le(-2208988800000000), le(1700000000500000)),
}
bad = {k: ((lo.get(k), hi.get(k)), v) for k, v in want.items() if (lo.get(k), hi.get(k)) != v}
assert not bad, ("bounds (got, want)", bad)
print("manifest bounds ok for", sorted(want))
PY2
expected "$D"
check_table "$D" orders shop.orders
# reopened with the same columns: the decimal types read back from the
# metadata compare equal (no new schema); then amt's precision grows
# (allowed with allow_type_widening, same scale), a narrowing is refused
"$BIN" --once -config="$D/config.yaml"
typed_config '[{name: amt, type: "decimal(12,2)"}, {name: big, type: "decimal(38,4)"},
  {name: tz, type: timestamptz, required: true}, {name: u, type: uuid}, {name: t, type: time},
  {name: ts, type: timestamp, format: epoch_s}]' true
"$BIN" --once -config="$D/config.yaml"
$PY - "$(meta_file)" <<'PY2'
import json, sys
m = json.load(open(sys.argv[1]))
s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
f = {x["name"]: x for x in s["fields"]}
assert len(m["schemas"]) == 2, [x["schema-id"] for x in m["schemas"]]
assert f["amt"]["type"] == "decimal(12,2)" and f["amt"]["id"] == 9, f["amt"]
print("decimal(10,2) -> decimal(12,2) widened")
PY2
typed_config '[{name: amt, type: "decimal(11,2)"}]' true
if "$BIN" --once -config="$D/config.yaml" 2> "$D/err.txt"; then
  echo "decimal narrowing run succeeded"; exit 1; fi
grep -q "table shop.orders: column amt is decimal(12,2) in the table, the mapping wants decimal(11,2)" \
  "$D/err.txt" || { cat "$D/err.txt"; exit 1; }
got=$(node "$ROOT/tools/duckdb-query.mjs" "SELECT string_agg(CAST(amt AS VARCHAR), ',' ORDER BY \"offset\") FROM read_parquet('$(data_dir)/*.parquet')")
[ "$got" = '[["12345678.91,-0.01,0.10,3.15"]]' ] || { echo "amt after widening: $got"; exit 1; }
echo "1 passed, 0 failed"
