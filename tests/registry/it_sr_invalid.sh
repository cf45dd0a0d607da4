#!/usr/bin/env bash
# Invalid Confluent-framed values (issue 18) for Avro (topic orders),
# Protobuf (clicks) and JSON Schema (payments): valid values of sr-produce
# mixed with a wrong magic byte, prefixes shorter than 5 bytes, an
# unknown schema id (registry 40403), payloads cut short or corrupt
# (Avro: a string past the end, a negative length; Protobuf: a string cut,
# a wire-type mismatch, a message index the file lacks, a record of another
# message of the file (other_message); JSON: text that is
# not JSON, a schema violation), and a tombstone (valid: no decoding).
#   drop: the tables hold exactly the valid records; one "invalid record
#         dropped" line per invalid one (offset, stage, code).
#   dead_letter: <table>_dlq holds exactly the invalid ones: partition,
#         offset, raw value, error_stage, error_reason (code first),
#         error_path, schema_id (sr_invalid_gen.py check).
#   stop: each partition stops at its first invalid offset: the records
#         before it committed, nothing at or after it; --once exits 2 and
#         the log names topic, partition and offset.
# mode latest (bare values, the subject of another topic) decodes them.
# Registry answering 503 / killed (Avro): a new --once (the id
# not cached) commits nothing, fails, and names the registry's URL; run
# mode started while it is down commits nothing, and once the registry is
# back (same port, same ids) every record lands exactly once, the dropped
# ones counted in kafscale_processor_invalid_records_total.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/sr_lib.sh"
pid=
fail() {
  echo "it_sr_invalid: FAIL: $*"
  [ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true
  for f in "$WORK"/*/*.log; do [ -f "$f" ] || continue; echo "--- $f"; tail -20 "$f"; done
  exit 1
}
start_sr "$WORK/sr"
SR_DIR=$WORK/sr
G=$WORK/gen
mkdir -p "$G"
FMTS="orders:avro:AVRO:avsc clicks:protobuf:PROTOBUF:proto payments:json:JSON:json"
echo '{"type":"record","name":"R","namespace":"iv","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}' > "$G/avro.avsc"
printf 'syntax = "proto3";\npackage iv;\nmessage R { int64 id = 1; string name = 2; }\nmessage Other { string x = 1; }\n' > "$G/protobuf.proto"
echo '{"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"}}}' > "$G/json.json"
for k in $(seq 0 15); do echo "{\"id\": $k, \"name\": \"name-$k\"}"; done > "$G/records.jsonl"
P=()
for x in $FMTS; do
  IFS=: read -r topic f type ext <<< "$x"
  produce --registry "$URL" --subject "$topic-value" --type "$type" --schema "$G/$f.$ext" \
    --in "$G/records.jsonl" --out "$G/$f.valid.hex" > "$G/$f.id" &
  P+=($!)
done
for p in "${P[@]}"; do wait "$p" || fail "sr-produce"; done
for x in $FMTS; do
  IFS=: read -r topic f type ext <<< "$x"
  $PY "$SRDIR/sr_invalid_gen.py" values "$f" "$G/$f.valid.hex" "$(jget "$(cat "$G/$f.id")" 'j["id"]')" \
    "$G/$f.hex" "$G/$f.cases.json" || fail "values $f"
done
mappings() { # POLICY [TOPIC]
  local x topic f type ext
  for x in $FMTS; do
    IFS=: read -r topic f type ext <<< "$x"
    [ -z "${2:-}" ] || [ "$2" = "$topic" ] || continue
    echo "  - {topic: $topic, table: shop.$topic, create_table_if_missing: true, schema: {source: confluent}, on_invalid: $1}"
  done
}
# http_port LOG -> PORT: the run-mode processor's, once it listens
http_port() {
  PORT=
  for _ in $(seq 100); do
    PORT=$(grep -o 'http endpoints listening.* port=[0-9]*' "$1" 2>/dev/null | head -1 | sed 's/.*port=//' || true)
    [ -n "$PORT" ] && return
    kill -0 $pid 2>/dev/null || fail "run mode exited: $(tail -3 "$1")"
    sleep 0.1
  done
  fail "no http port in $1"
}
# status_has PORT PYEXPR: /status's partitions (p: topic -> entry) satisfy it
status_has() {
  curl -s "http://127.0.0.1:$1/status" | $PY -c '
import json, sys
def walk(x):
    if isinstance(x, dict):
        if "topic" in x and "partition" in x:
            yield x
        for v in x.values():
            yield from walk(v)
    elif isinstance(x, list):
        for v in x:
            yield from walk(v)
p = {e["topic"]: e for e in walk(json.load(sys.stdin))}
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" 2>/dev/null
}
has_table() { $PY -c 'import sqlite3,sys; sys.exit(0 if sqlite3.connect(sys.argv[1]).execute("SELECT 1 FROM iceberg_tables WHERE table_name=?", (sys.argv[2],)).fetchone() else 1)' "$1/catalog.db" "$2"; }

for policy in drop dead_letter stop; do
  D=$WORK/$policy
  mkdir -p "$D/segments/bucket"
  for x in $FMTS; do
    IFS=: read -r topic f type ext <<< "$x"
    segments_of "$D" "$topic" "$G/$f.hex"
  done
  maps=$(mappings $policy)
  if [ $policy = drop ]; then
    # mode latest: bare Avro values (no prefix) decoded with the latest
    # version of another topic's subject
    cut -c11- "$G/avro.valid.hex" > "$G/bare.hex"
    segments_of "$D" bare "$G/bare.hex"
    maps="$maps
  - {topic: bare, table: shop.bare, create_table_if_missing: true, schema: {source: confluent, subject: orders-value, mode: latest}, on_invalid: stop}"
  fi
  write_sr_config "$D" "$URL" "$maps"
  rc=0
  "$BIN" --once -config="$D/config.yaml" 2> "$D/run.log" || rc=$?
  want_rc=0
  [ $policy = stop ] && want_rc=2
  [ $rc = $want_rc ] || fail "$policy: --once exit $rc, want $want_rc"
  for x in $FMTS; do
    IFS=: read -r topic f type ext <<< "$x"
    duck_add "$D/$f.main.json" "SELECT \"partition\", \"offset\", to_base64(value) FROM read_parquet([$(live_list "$D" "shop.$topic")])"
    if [ $policy = dead_letter ]; then
      duck_add "$D/$f.dlq.json" "SELECT \"partition\", \"offset\", to_base64(value), error_stage, error_reason, error_path, schema_id FROM read_parquet([$(live_list "$D" "shop.${topic}_dlq")])"
    elif has_table "$D" "${topic}_dlq"; then
      fail "$policy: a dead-letter table shop.${topic}_dlq"
    fi
  done
  [ $policy != drop ] || duck_add "$D/bare.json" "SELECT \"offset\", id, name FROM read_parquet([$(live_list "$D" shop.bare)]) ORDER BY 1"
  duck_run || fail "$policy: DuckDB"
  if [ $policy = drop ]; then
    $PY -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r == [[k, k, "name-%d" % k] for k in range(16)], r' \
      "$D/bare.json" || fail "mode latest: $(cat "$D/bare.json")"
  fi
  for x in $FMTS; do
    IFS=: read -r topic f type ext <<< "$x"
    dlq=-
    [ $policy = dead_letter ] && dlq=$D/$f.dlq.json
    $PY "$SRDIR/sr_invalid_gen.py" check $policy "$G/$f.cases.json" "$D/$f.main.json" "$dlq" ||
      fail "$policy $f: tables"
    case $policy in
    drop) $PY "$SRDIR/sr_invalid_gen.py" log "$G/$f.cases.json" "$D/run.log" "$topic" || fail "drop $f: log" ;;
    stop)
      off=$($PY "$SRDIR/sr_invalid_gen.py" first "$G/$f.cases.json")
      grep -q "level=error msg=\"invalid record: partition stopped (on_invalid stop)\" topic=$topic partition=0 offset=$off " "$D/run.log" ||
        fail "stop $f: no log line naming topic $topic partition 0 offset $off"
      grep -q "once summary: partition.* topic=$topic partition=0 from=0 to=$off .*status=stopped" "$D/run.log" ||
        fail "stop $f: summary" ;;
    esac
  done
done
# stop in run mode: /status names each stopped partition's record
D=$WORK/stop
"$BIN" -config="$D/config.yaml" 2> "$D/serve.log" &
pid=$!
http_port "$D/serve.log"
port=$PORT
want=$(for x in $FMTS; do
  IFS=: read -r topic f type ext <<< "$x"
  echo -n "p['$topic']['stopped'] and 'topic $topic partition 0 offset $($PY "$SRDIR/sr_invalid_gen.py" first "$G/$f.cases.json"): invalid record' in (p['$topic']['last_error'] or '') and "
done)True
ok=0
for _ in $(seq 100); do status_has "$port" "$want" && { ok=1; break; }; sleep 0.1; done
[ $ok = 1 ] || fail "stop: /status $(curl -s "http://127.0.0.1:$port/status")"
kill -TERM $pid
wait $pid || fail "stop: run mode exit $? on SIGTERM"
pid=

# ---- registry outage (Avro, orders): not invalid, retried, nothing lost
D=$WORK/outage
mkdir -p "$D/segments/bucket"
segments_of "$D" orders "$G/avro.hex"
write_sr_config "$D" "$URL" "$(mappings drop orders)"
# a registry answering 503 (not an invalid record): --once fails, commits nothing
curl -s -X POST -d '{"status": 503, "count": 1000}' "$URL/_admin/faults" > /dev/null
rc=0
"$BIN" --once -config="$D/config.yaml" 2> "$D/once-503.log" || rc=$?
curl -s -X POST "$URL/_admin/reset" > /dev/null
[ $rc = 3 ] || fail "503: --once exit $rc, want 3"
grep -q "level=fatal.*$URL/schemas/ids/.*HTTP 503" "$D/once-503.log" || fail "503: the error does not name the URL and 503"
! grep -q "invalid record" "$D/once-503.log" || fail "503: records taken for invalid"
if has_table "$D" orders; then
  [ -z "$(live_list "$D" shop.orders)" ] || fail "503: --once committed"
fi
stop_sr
rc=0
"$BIN" --once -config="$D/config.yaml" 2> "$D/once-down.log" || rc=$?
[ $rc = 3 ] || fail "outage: --once exit $rc with the registry down, want 3"
grep -q "level=fatal.*$URL" "$D/once-down.log" || fail "outage: the error does not name $URL"
! grep -q "invalid record dropped" "$D/once-down.log" || fail "outage: records taken for invalid"
if has_table "$D" orders; then
  [ -z "$(live_list "$D" shop.orders)" ] || fail "outage: --once committed with the registry down"
fi
# run mode, started while the registry is down
"$BIN" -config="$D/config.yaml" 2> "$D/run.log" &
pid=$!
http_port "$D/run.log"
port=$PORT
ok=0
for _ in $(seq 40); do
  status_has "$port" "not p['orders']['stopped'] and '$URL/schemas/ids/' in (p['orders']['last_error'] or '')" && { ok=1; break; }
  sleep 0.1
done
[ $ok = 1 ] || fail "outage: /status does not show the registry error: $(curl -s "http://127.0.0.1:$port/status")"
sleep 1.5
kill -0 $pid 2>/dev/null || fail "outage: run mode exited with the registry down"
if has_table "$D" orders; then
  [ -z "$(live_list "$D" shop.orders)" ] || fail "outage: run mode committed with the registry down"
fi
start_sr "$SR_DIR"
[ "$URL" = "http://127.0.0.1:$(cat "$SR_DIR/port")" ] || fail "registry restarted elsewhere"
n_valid=$($PY -c 'import json,sys; print(sum(1 for w in json.load(open(sys.argv[1]))["cases"] if w is None))' "$G/avro.cases.json")
# poll the metadata (cheap); count rows when it changes
n=0
last=
for _ in $(seq 200); do
  if has_table "$D" orders && [ "$(live_meta "$D" shop.orders)" != "$last" ]; then
    last=$(live_meta "$D" shop.orders)
    list=$(live_list "$D" shop.orders)
    [ -z "$list" ] || n=$(node "$ROOT/tools/duckdb-query.mjs" "SELECT count(*) FROM read_parquet([$list])" | tr -dc 0-9)
    [ "$n" -ge "$n_valid" ] && break
  fi
  sleep 0.1
done
[ "$n" = "$n_valid" ] || fail "outage: $n rows after the registry came back, want $n_valid"
m=$(curl -s "http://127.0.0.1:$port/metrics" |
  awk '$1 == "kafscale_processor_invalid_records_total{topic=\"orders\",stage=\"prefix\",reason=\"wrong_magic\",action=\"dropped\"}" {print $2}')
[ "${m%.*}" = 2 ] || fail "outage: invalid_records_total wrong_magic dropped = '$m', want 2"
kill -TERM $pid
wait $pid || fail "outage: run mode exit $? on SIGTERM"
pid=
duck_add "$D/main.json" "SELECT \"partition\", \"offset\", to_base64(value) FROM read_parquet([$(live_list "$D" shop.orders)])"
duck_run || fail "outage: DuckDB"
$PY "$SRDIR/sr_invalid_gen.py" check drop "$G/avro.cases.json" "$D/main.json" - || fail "outage: table"
echo "it_sr_invalid: ok"
