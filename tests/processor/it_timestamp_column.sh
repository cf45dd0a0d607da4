#!/usr/bin/env bash
# mappings[].timestamp_column end to end. Records with ordinary Kafka
# timestamps, 0, negative ones (1969, year 1) and the two ends of int64
# milliseconds (no int64 microseconds): the table gets an optional
# timestamptz column with id 9 (right after the base columns, before the
# mapping's), DuckDB reads it as TIMESTAMP WITH TIME ZONE
# (TIMESTAMP(isAdjustedToUTC=true, MICROS)) with the exact UTC instants,
# null for the out-of-range ones; the counter
# kafscale_processor_timestamp_out_of_range_total{topic} says 3 and the
# warning is logged once per partition; icebird still reads the base
# columns. Then evolution: a table made without the column gets it
# appended as an optional column (rows written before read null), and a
# table whose column of that name is a string is refused before any data;
# in a table that has the column required, the out-of-range records are
# invalid (dropped, logged) instead of null. With schema.source registry,
# a property of that name is not a column (warned).
source "$(dirname "$0")/lib.sh"
D=$WORK/ts; mkdir -p "$D"
$PY "$ROOT/tests/processor/gen_tscol.py" "$D"

# config DIR TABLE COLUMNS_YAML EXTRA_MAPPING_YAML
config() {
  write_config "$1"
  $PY - "$1/config.yaml" "$2" "$3" "$4" <<'PY'
import sys
p, table, cols, extra = sys.argv[1:]
s = open(p).read()
head, _ = s.split("mappings:\n")
open(p, "w").write(head + "mappings:\n  - topic: orders\n    table: " + table +
    "\n    create_table_if_missing: true\n" + ("    " + extra + "\n" if extra else "") +
    "    schema:\n      columns: " + cols + "\n")
PY
}
meta_file() { read -r url file < <(metadata_of "$1" "$2"); echo "${url#file://}/metadata/$file"; }
data_dir() { read -r url file < <(metadata_of "$1" "$2"); echo "${url#file://}/data"; }
q() { node "$ROOT/tools/duckdb-query.mjs" "$1"; }

# --- run mode, so /metrics can be scraped
config "$D" shop.orders '[{name: n, type: long}]' 'timestamp_column: kafka_time'
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
KAFSCALE_METRICS_ADDR=127.0.0.1:$PORT "$BIN" -config="$D/config.yaml" 2> "$D/run.log" & pid=$!
fail() { echo "FAIL: $*"; echo "--- log"; tail -30 "$D/run.log"; kill -9 $pid 2>/dev/null || true; exit 1; }
for i in $(seq 1 120); do
  if curl -sf "$URL/status" -o "$D/status.json" 2>/dev/null && $PY - "$D/status.json" <<'PY'
import json, sys
parts = {p["partition"]: p["committed_offset"] for p in json.load(open(sys.argv[1])).get("partitions", [])}
sys.exit(0 if parts == {0: 7, 1: 2} else 1)
PY
  then break; fi
  sleep 0.5
done
[ $i -lt 120 ] || fail "not committed in 60 s: $(cat "$D/status.json" 2>/dev/null)"
curl -sf "$URL/metrics" -o "$D/metrics.txt" || fail "scrape"
kill -TERM $pid; wait $pid || fail "exit status $?"
grep -qx 'kafscale_processor_timestamp_out_of_range_total{topic="orders"} 3' "$D/metrics.txt" ||
  fail "counter: $(grep timestamp_out_of_range "$D/metrics.txt")"
grep -q '^# TYPE kafscale_processor_timestamp_out_of_range_total counter' "$D/metrics.txt" || fail "TYPE"
# logged once per partition, naming topic, partition, offset and value
n=$(grep -c 'record timestamp out of range for the timestamp column' "$D/run.log" || true)
[ "$n" = 2 ] || fail "$n out-of-range warnings, want 2 (one per partition)"
grep 'record timestamp out of range' "$D/run.log" | grep 'topic=orders' | grep 'partition=0' |
  grep 'offset=2' | grep -q 'timestamp_ms=9223372036854775807' || fail "partition 0 warning"
grep 'record timestamp out of range' "$D/run.log" | grep 'partition=1' | grep 'offset=1' |
  grep -q 'timestamp_ms=9223372036854775807' || fail "partition 1 warning"
grep 'record timestamp out of range' "$D/run.log" | grep -q 'WARN\|level=warn' || fail "not a warning"

# the schema: base 1..8, kafka_time 9 (optional timestamptz), then n
$PY - "$(meta_file "$D" shop.orders)" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
got = [(f["id"], f["name"], f["type"], f["required"]) for f in s["fields"]][8:]
assert got == [(9, "kafka_time", "timestamptz", False), (10, "n", "long", False)], got
assert s["fields"][4]["name"] == "timestamp_ms" and s["fields"][4]["type"] == "long"
print("schema ok:", got)
PY
DATA=$(data_dir "$D" shop.orders)
# Parquet type: INT64 TIMESTAMP(isAdjustedToUTC=true, MICROS)
got=$(q "SELECT type, converted_type, logical_type FROM parquet_schema('$DATA/*.parquet') WHERE name = 'kafka_time' LIMIT 1")
echo "parquet: $got"
case "$got" in
  *INT64*TIMESTAMP_MICROS*isAdjustedToUTC=1*MICROS*) ;;
  *) echo "kafka_time Parquet type: $got"; exit 1 ;;
esac
# values: the exact UTC instants (micros), null where out of range,
# timestamp_ms as it was
q "SELECT partition, \"offset\", typeof(kafka_time), epoch_us(kafka_time), timestamp_ms, n,
          strftime(kafka_time, '%Y-%m-%dT%H:%M:%S.%fZ')
   FROM read_parquet('$DATA/*.parquet') ORDER BY partition, \"offset\"" > "$D/rows.json"
$PY - "$D/rows.json" "$D/expected.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
exp = json.load(open(sys.argv[2]))
assert len(rows) == len(exp) == 11, (len(rows), len(exp))
for p, o, typ, us, ms, n, text in rows:
    assert typ == "TIMESTAMP WITH TIME ZONE", typ
    want = exp["%d:%d" % (p, o)]
    us = None if us is None else int(us)
    assert us == want, (p, o, us, want)
    assert n == o
    if want is not None:
        assert int(ms) * 1000 == want, (ms, want)
    else:
        assert text is None
by = {(p, o): t for p, o, _, _, _, _, t in rows}
assert by[(0, 0)] == "2026-09-21T14:13:20.000000Z", by[(0, 0)]
assert by[(0, 1)] == "2026-09-21T14:13:20.123000Z", by[(0, 1)]
assert by[(0, 3)] == "1969-12-31T23:59:58.500000Z", by[(0, 3)]
assert by[(0, 4)] == "1970-01-01T00:00:00.000000Z", by[(0, 4)]
assert by[(0, 6)] == "0001-01-01T00:00:00.000000Z", by[(0, 6)]
# the overflow rows keep their timestamp_ms
ms = {(p, o): m for p, o, _, _, m, _, _ in rows}
assert str(ms[(0, 2)]) == "9223372036854775807" and str(ms[(0, 5)]) == "-9223372036854775808"
print("values ok: 11 rows, 3 nulls")
PY
# icebird reads the table (base columns) exactly
expected "$D"
check_table "$D" orders shop.orders

# --- evolution: a table made without the column (partition 0 only)
E=$WORK/evo; mkdir -p "$E/segments/bucket/prod/orders"
cp -r "$D/segments/bucket/prod/orders/0" "$E/segments/bucket/prod/orders/"
config "$E" shop.legacy '[{name: n, type: long}, {name: legacy, type: string}]' ''
"$BIN" --once -config="$E/config.yaml"
cp -r "$D/segments/bucket/prod/orders/1" "$E/segments/bucket/prod/orders/"
config "$E" shop.legacy '[{name: n, type: long}]' 'timestamp_column: kafka_time'
"$BIN" --once -config="$E/config.yaml" 2> "$E/run2.log"
$PY - "$(meta_file "$E" shop.legacy)" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
got = [(f["id"], f["name"], f["type"], f["required"]) for f in s["fields"]][8:]
assert got == [(9, "n", "long", False), (10, "legacy", "string", False),
               (11, "kafka_time", "timestamptz", False)], got
assert len(m["schemas"]) == 2, len(m["schemas"])
print("evolved ok:", got)
PY
got=$(q "SELECT partition, count(*), count(kafka_time), min(epoch_us(kafka_time)), max(epoch_us(kafka_time))
         FROM read_parquet('$(data_dir "$E" shop.legacy)/*.parquet', union_by_name = true)
         GROUP BY partition ORDER BY partition")
[ "$got" = '[[0,8,0,null,null],[1,3,2,1790000000005000,1790000000007000]]' ] ||
  { echo "evolved rows: $got"; exit 1; }
grep -q 'record timestamp out of range' "$E/run2.log" || { echo "no warning in run 2"; exit 1; }

# --- a column of that name with another type: refused, nothing written
snaps() { $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("snapshots", [])))' "$(meta_file "$E" shop.legacy)"; }
before=$(snaps)
config "$E" shop.legacy '[{name: n, type: long}]' 'timestamp_column: legacy'
if "$BIN" --once -config="$E/config.yaml" 2> "$E/err.txt"; then
  echo "a string column taken as the timestamp column"; exit 1; fi
grep -q 'table shop.legacy: column legacy is string in the table, the mapping wants timestamptz' \
  "$E/err.txt" || { cat "$E/err.txt"; exit 1; }
[ "$before" = "$(snaps)" ] || { echo "snapshots changed on a refused run"; exit 1; }
# --- a table that has the column required (made so by a mapping column):
# a record without int64 microseconds is invalid there, dropped and logged
R=$WORK/req; mkdir -p "$R/segments/bucket"
config "$R" shop.req '[{name: kafka_time, type: timestamptz, required: true}]' ''
"$BIN" --once -config="$R/config.yaml" 2> "$R/run1.log" || { cat "$R/run1.log"; exit 1; }
cp -r "$D/segments/bucket/prod" "$R/segments/bucket/"
config "$R" shop.req '[{name: n, type: long}]' 'timestamp_column: kafka_time'
"$BIN" --once -config="$R/config.yaml" 2> "$R/run2.log" || { cat "$R/run2.log"; exit 1; }
n=$(grep 'invalid record dropped' "$R/run2.log" |
    grep -c 'reason="required column kafka_time missing or not coercible"' || true)
[ "$n" = 3 ] || { cat "$R/run2.log"; echo "$n invalid records logged, want 3"; exit 1; }
got=$(q "SELECT string_agg(partition || ':' || \"offset\", ',' ORDER BY partition, \"offset\"),
                count(kafka_time) FROM read_parquet('$(data_dir "$R" shop.req)/*.parquet')")
[ "$got" = '[["0:0,0:1,0:3,0:4,0:6,0:7,1:0,1:2",8]]' ] || { echo "required: $got"; exit 1; }
# --- schema.source registry: a property named like the timestamp column is
# not a column (warned); the column still comes right after the base ones
G=$WORK/reg; mkdir -p "$G/segments/bucket" "$G/registry"
cp -r "$D/segments/bucket/prod" "$G/segments/bucket/"
echo '{"type": "object", "properties": {"n": {"type": "integer"}, "kafka_time": {"type": "string"}}}' \
  > "$G/registry/orders.json"
$PY - "$G/registry" "$G/port" <<'PY' &
import http.server, socketserver, sys, os, functools
class Q(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
s = socketserver.TCPServer(("127.0.0.1", 0), functools.partial(Q, directory=sys.argv[1]))
open(sys.argv[2] + ".tmp", "w").write(str(s.server_address[1])); os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
PY
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do [ -f "$G/port" ] && break; sleep 0.1; done
config "$G" shop.reg '[]' 'timestamp_column: kafka_time'
$PY - "$G/config.yaml" "$(cat "$G/port")" <<'PY'
import sys
p, port = sys.argv[1:]
s = open(p).read().replace("    schema:\n      columns: []\n", "    schema: {source: registry}\n")
s = s.replace("\nlog:\n", "\nschema:\n  registry:\n    base_url: http://127.0.0.1:%s/\nlog:\n" % port)
open(p, "w").write(s)
PY
"$BIN" --once -config="$G/config.yaml" 2> "$G/run.log" || { cat "$G/run.log"; exit 1; }
grep -q 'registry property named like mappings\[\].timestamp_column; not a column" topic=orders property=kafka_time' \
  "$G/run.log" || { cat "$G/run.log"; echo "registry property not reported"; exit 1; }
$PY - "$(meta_file "$G" shop.reg)" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
got = [(f["id"], f["name"], f["type"]) for f in s["fields"]][8:]
assert got == [(9, "kafka_time", "timestamptz"), (10, "n", "long")], got
PY
got=$(q "SELECT count(*), count(kafka_time), sum(n) FROM read_parquet('$(data_dir "$G" shop.reg)/*.parquet')")
[ "$got" = '[[11,8,31]]' ] || { echo "registry rows: $got"; exit 1; }
echo "timestamp_column: ok"
