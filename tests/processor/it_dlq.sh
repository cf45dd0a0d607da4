#!/usr/bin/env bash
# The dead-letter table (mappings[].on_invalid: dead_letter). Values cycle
# through ten JSON lines, three of them invalid for the mapping's required
# `id` column (absent, not coercible, not JSON).
#   A. SQLite, --once: the data table holds exactly the valid records and
#      <table>_dlq exactly the invalid ones, with their raw values and
#      error_stage/error_reason/error_path (DuckDB over each table's live
#      files); icebird reads the data table; a second run adds nothing;
#      `maintain` passes over the dead-letter table too.
#   B. Exactly once across both tables: the REST catalog answers commits
#      with random 409s, 500s before applying and 503s after applying, and
#      the run-mode worker is killed with SIGKILL at random moments while
#      segments keep arriving; a last clean run finishes. Both tables are
#      then exact again, and the metrics counted the dead letters by stage
#      and reason.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/catalog/rest_lib.sh"
pid=
trap '[ -z "$pid" ] || kill -9 $pid 2>/dev/null || true; cleanup_rest' EXIT
fail() { echo "FAIL: $*"; for f in "$WORK"/*/*.log; do [ -f "$f" ] || continue; echo "--- $f"; tail -15 "$f"; done; exit 1; }

cat > "$WORK/values.jsonl" <<'J'
{"id": 1, "name": "a"}
{"id": 2, "name": "b"}
{"name": "no id"}
{"id": 4}
{"id": 5, "name": "e"}
{"id": "abc", "name": "x"}
{"id": 7, "name": "g"}
{"id": 8, "name": "h"}
not json at all
{"id": 10, "name": "j"}
J
# value (base64) -> [error_stage, error_reason prefix, error_path]
$PY - "$WORK/values.jsonl" "$WORK/invalid.json" <<'PY'
import base64, json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
b = lambda i: base64.b64encode(lines[i]).decode()
why = ["column", "required_column: required column id missing or not coercible", "id"]
json.dump({b(2): why, b(5): why, b(8): why}, open(sys.argv[2], "w"))
PY
MAPPING='  - topic: orders
    table: shop.orders
    create_table_if_missing: true
    on_invalid: dead_letter
    schema: {columns: [{name: id, type: long, required: true}, {name: name, type: string}]}'

# duck DIR TABLE META -> DIR/duck-TABLE.json (rows of the live files)
duck() {
  local d=$1 table=$2 meta=$3 list cols='"partition", "offset", to_base64(value)'
  list=$($PY "$ROOT/tests/processor/live_files.py" "$meta")
  [ "$table" = dlq ] && cols="$cols, error_stage, error_reason, error_path, schema_id"
  if [ -z "$list" ]; then echo '[]' > "$d/duck-$table.json"; return; fi
  node "$ROOT/tools/duckdb-query.mjs" "SELECT $cols FROM read_parquet([$list])" > "$d/duck-$table.json"
}

# ---------------------------------------------------------------- A
D=$WORK/a; mkdir -p "$D/segments/bucket"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 2 \
  --records-per-partition 300 --value-json "$WORK/values.jsonl" --codec zstd --seed 7 --quiet
cp -r "$D/all/prod" "$D/segments/bucket/"
write_config "$D"
$PY - "$D/config.yaml" "$MAPPING" <<'PY'
import sys
p, m = sys.argv[1:]
head, _ = open(p).read().split("mappings:\n")
open(p, "w").write(head + "mappings:\n" + m + "\n")
PY
"$BIN" --once -config="$D/config.yaml" 2> "$D/run1.log" || fail "A: --once"
meta_a() { read -r url file < <(metadata_of "$D" "$1"); echo "${url#file://}/metadata/$file"; }
expected "$D"
cp "$D/expected-orders.jsonl" "$D/all-orders.jsonl"
duck "$D" main "$(meta_a shop.orders)"
duck "$D" dlq "$(meta_a shop.orders_dlq)"
$PY "$ROOT/tests/processor/dlq_check.py" "$D/all-orders.jsonl" "$WORK/invalid.json" \
  "$D/duck-main.json" "$D/duck-dlq.json" || fail "A: tables"
# the dead-letter table's schema: base columns, then the error columns
$PY - "$(meta_a shop.orders_dlq)" <<'PY' || fail "A: dead-letter schema"
import json, sys
m = json.load(open(sys.argv[1]))
s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
got = [(f["id"], f["name"], f["type"], f["required"]) for f in s["fields"]][8:]
assert got == [(9, "error_stage", "string", False), (10, "error_reason", "string", False),
               (11, "error_path", "string", False), (12, "schema_id", "long", False)], got
PY
# icebird over the data table: the valid records
$PY - "$D/expected-orders.jsonl" "$WORK/invalid.json" <<'PY'
import json, sys
inv = json.load(open(sys.argv[2]))
rows = [l for l in open(sys.argv[1]) if json.loads(l)["value"] not in inv]
open(sys.argv[1], "w").write("".join(rows))
PY
check_table "$D" orders shop.orders || fail "A: icebird"
"$BIN" --once -config="$D/config.yaml" 2> "$D/run2.log" || fail "A: second --once"
duck "$D" dlq "$(meta_a shop.orders_dlq)"
$PY "$ROOT/tests/processor/dlq_check.py" "$D/all-orders.jsonl" "$WORK/invalid.json" \
  "$D/duck-main.json" "$D/duck-dlq.json" || fail "A: after a second run"
# maintain passes over both tables (compaction of the two runs' files)
"$BIN" maintain -config="$D/config.yaml" > "$D/m.out" 2> "$D/m.log" || fail "A: maintain"
grep -q '^shop.orders_dlq: ' "$D/m.out" || { cat "$D/m.out"; fail "A: maintain skipped the dead-letter table"; }
duck "$D" dlq "$(meta_a shop.orders_dlq)"
$PY "$ROOT/tests/processor/dlq_check.py" "$D/all-orders.jsonl" "$WORK/invalid.json" \
  "$D/duck-main.json" "$D/duck-dlq.json" || fail "A: after maintain"
echo "A: dead letters exact"

# ---------------------------------------------------------------- B
D=$WORK/b; mkdir -p "$D/segments/bucket"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 2 \
  --records-per-partition 500 --segment-bytes 3000 --batch-records 10 \
  --value-json "$WORK/values.jsonl" --codec none --seed 11 --quiet
feed() { # STEP OF: the first STEP/OF of every partition's segments
  local dir p n k f
  for dir in "$D"/all/prod/orders/*/; do
    p=$(basename "$dir"); mkdir -p "$D/segments/bucket/prod/orders/$p"
    n=$(ls "$dir"/*.kfs | wc -l); k=$(( (n * $1 + $2 - 1) / $2 ))
    for f in $(ls "$dir"/*.kfs | sort | head -$k); do
      [ -e "$D/segments/bucket/prod/orders/$p/$(basename "$f")" ] ||
        cp "$f" "${f%.kfs}.index" "$D/segments/bucket/prod/orders/$p/"
    done
  done
}
start_server "$D"
MAPPINGS="$MAPPING" write_rest_config "$D" "$URL"
sed -i 's/^  level: warn/  level: info/' "$D/config.yaml"
set_faults "$URL" '{"random": {"409": 0.25, "500-before": 0.2, "503-after": 0.25}, "seed": 3}'
RANDOM=9
seen_metric=0
for round in 1 2 3 4 5 6; do
  feed $round 6
  "$BIN" -config="$D/config.yaml" 2> "$D/w$round.log" & pid=$!
  if [ $seen_metric = 0 ]; then
    port=
    for _ in $(seq 100); do
      port=$(grep -o 'http endpoints listening.* port=[0-9]*' "$D/w$round.log" 2>/dev/null | head -1 | sed 's/.*port=//' || true)
      [ -n "$port" ] && break; sleep 0.1
    done
    for _ in $(seq 50); do
      n=$(curl -s "http://127.0.0.1:$port/metrics" |
        awk '$1 == "kafscale_processor_invalid_records_total{topic=\"orders\",stage=\"column\",reason=\"required_column\",action=\"dead_letter\"}" {print $2}' || true)
      [ -n "$n" ] && [ "${n%.*}" -gt 0 ] && { seen_metric=1; break; }
      sleep 0.1
    done
    [ $seen_metric = 1 ] || fail "B: invalid_records_total not counted"
  fi
  sleep "$((RANDOM % 2)).$((RANDOM % 10))"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
done
set_faults "$URL" '{}'
"$BIN" --once -config="$D/config.yaml" 2> "$D/final.log" || fail "B: final --once"
meta_b() { read -r url file < <(rest_metadata_of "$D" "$1"); echo "${url#file://}/metadata/$file"; }
expected "$D"
duck "$D" main "$(meta_b shop.orders)"
duck "$D" dlq "$(meta_b shop.orders_dlq)"
$PY "$ROOT/tests/processor/dlq_check.py" "$D/expected-orders.jsonl" "$WORK/invalid.json" \
  "$D/duck-main.json" "$D/duck-dlq.json" || fail "B: tables not exact"
stats "$URL" > "$D/stats.json"
$PY -c '
import json, sys
f = json.load(open(sys.argv[1]))["faults"]
assert sum(f.values()) >= 3, f
print("B: faults injected:", f)' "$D/stats.json" || fail "B: no faults were injected"
echo "1 passed, 0 failed"
