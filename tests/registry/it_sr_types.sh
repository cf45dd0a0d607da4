#!/usr/bin/env bash
# Confluent Schema Registry payloads end to end, every type (issue 18):
# for Avro (topic orders), Protobuf (clicks) and JSON Schema (payments),
# 2,000+ records of sr_types_gen.py covering every type the registry
# schemas map (nested records in lists in maps, nulls and non-nulls of
# each optional, int64 min/max, negative decimals, unicode, empty lists and
# maps, timestamps before 1970, unions, oneofs, wrappers, proto3 defaults)
# are serialized by an independent implementation (sr-produce over
# @kafkajs/confluent-schema-registry; the Avro longs past 2^53 by Debian's
# python3-avro), wrapped into segments by icp-seggen and processed with
# --once (mappings[].schema.source: confluent, SQLite catalog). Then:
# DuckDB reads every value back field by field against what the generator
# computed from the same records (sr_check.py), the Iceberg schema in the
# metadata has the expected types, all registry columns optional, icebird
# reads the base columns (check_table), each schema id was asked of the
# registry once (GET /_admin/stats), and a second run adds nothing.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/sr_lib.sh"
fail() { echo "it_sr_types: FAIL: $*"; for f in "$WORK"/*/*.log; do [ -f "$f" ] || continue; echo "--- $f"; tail -20 "$f"; done; exit 1; }
N=${SR_TYPES_RECORDS:-2000}
D=$WORK/d
mkdir -p "$D/segments/bucket" "$D/avro" "$D/protobuf" "$D/json"
start_sr "$WORK/sr"

# JSON Schema "format": "date-time" strings become timestamptz columns
JSON_DT=timestamptz
for f in avro protobuf json; do
  $PY "$SRDIR/sr_types_gen.py" $f "$D/$f" "$N" --json-datetime $JSON_DT || fail "generator $f"
done
produce --registry "$URL" --subject orders-value --type AVRO --schema "$D/avro/schema.avsc" \
  --in "$D/avro/records.jsonl" --out "$D/avro/values.hex" > "$D/avro/id.json" &
P1=$!
produce --registry "$URL" --subject clicks-value --type PROTOBUF --schema "$D/protobuf/schema.proto" \
  --message-type t.Rec --in "$D/protobuf/records.jsonl" --out "$D/protobuf/values.hex" > "$D/protobuf/id.json" &
P2=$!
produce --registry "$URL" --subject payments-value --type JSON --schema "$D/json/schema.json" \
  --in "$D/json/records.jsonl" --out "$D/json/values.hex" > "$D/json/id.json" &
P3=$!
wait $P1 && wait $P2 && wait $P3 || fail "sr-produce"
AV_ID=$(jget "$(cat "$D/avro/id.json")" 'j["id"]')
PB_ID=$(jget "$(cat "$D/protobuf/id.json")" 'j["id"]')
JS_ID=$(jget "$(cat "$D/json/id.json")" 'j["id"]')
# the Avro records avsc cannot write, by python3-avro under the same id
$PY "$SRDIR/sr_types_gen.py" avro-edge "$D/avro" "$AV_ID" || fail "python3-avro"
cat "$D/avro/edge.hex" >> "$D/avro/values.hex"

segments_of "$D" orders "$D/avro/values.hex"
segments_of "$D" clicks "$D/protobuf/values.hex"
segments_of "$D" payments "$D/json/values.hex"
curl -s -X POST "$URL/_admin/reset" > /dev/null
# (Protobuf: the records' message is not the file's first one: named)
write_sr_config "$D" "$URL" "$(for t in orders:shop.orders:'' clicks:shop.clicks:', message: t.Rec' payments:shop.payments:''; do
  IFS=: read -r topic table msg <<< "$t"
  echo "  - {topic: $topic, table: $table, create_table_if_missing: true, schema: {source: confluent$msg}, on_invalid: stop}"
done)"
"$BIN" --once -config="$D/config.yaml" 2> "$D/run1.log" || fail "--once exit $?"
grep -q 'once finished.*outcome=complete' "$D/run1.log" || fail "outcome"

# one by-id lookup per id used, no other id, and one latest-version
# request per subject
curl -s "$URL/_admin/stats" > "$D/stats.json"
$PY - "$D/stats.json" "$AV_ID" "$PB_ID" "$JS_ID" <<'PY' || fail "registry lookups: $(cat "$D/stats.json")"
import json, sys
st = json.load(open(sys.argv[1]))
ids = st["ids"]
av, pb, js = sys.argv[2:]
assert ids == {av: 1, pb: 1, js: 1}, ids
assert st["kinds"].get("subject_latest") == 3, st["kinds"]
PY

for t in orders:shop.orders:avro clicks:shop.clicks:protobuf payments:shop.payments:json; do
  IFS=: read -r _ table f <<< "$t"
  $PY "$SRDIR/sr_check.py" schema "$D/$f/expected.json" "$(live_meta "$D" "$table")" ||
    fail "$f: Iceberg schema"
  duck_add_rows "$D" "$table" "$D/$f/expected.json" "$D/$f/duck.json"
done
duck_run || fail "DuckDB queries"
for f in avro protobuf json; do
  $PY "$SRDIR/sr_check.py" rows "$D/$f/expected.json" "$D/$f/duck.json" || fail "$f: values"
done
expected "$D"
# icebird, the three tables side by side
P=()
for t in orders clicks payments; do
  check_table "$D" $t shop.$t > "$D/icebird-$t.out" 2>&1 &
  P+=($!)
done
for i in 0 1 2; do wait "${P[$i]}" || { cat "$D"/icebird-*.out; fail "icebird"; }; done

# a second run: nothing new, nothing committed
tables() { $PY -c 'import sqlite3,sys; print(sorted(r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT metadata_location FROM iceberg_tables")))' "$D/catalog.db"; }
S1=$(tables)
"$BIN" --once -config="$D/config.yaml" 2> "$D/run2.log" || fail "second --once"
[ "$(tables)" = "$S1" ] || fail "a second run committed: $S1 -> $(tables)"
echo "it_sr_types: ok ($N records per format)"
