#!/usr/bin/env bash
# JSON Schema validation against the registry (schema.mode), end to end:
# a registry served over HTTP by a test server; lenient drops exactly the
# invalid records (each logged with topic, partition, offset and the
# failing keyword) and writes the rest; strict stops at the first invalid
# offset and commits nothing at or past it (exit 2, same place on rerun);
# a registry outage keeps the last good schema; without any schema
# nothing is written and the run fails with the registry URL.
source "$(dirname "$0")/lib.sh"
D=$WORK/val; mkdir -p "$D"
$PY "$ROOT/tests/processor/gen_json.py" "$D"
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
REG_PID=
start_registry() {
  $PY -m http.server "$PORT" --bind 127.0.0.1 --directory "$D/registry" > "$D/registry.log" 2>&1 &
  REG_PID=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/orders.json" >/dev/null && return; sleep 0.1; done
  echo "registry did not start"; exit 1
}
stop_registry() { kill "$REG_PID" 2>/dev/null || true; wait "$REG_PID" 2>/dev/null || true; }
trap 'stop_registry; rm -rf "$WORK"' EXIT

vconfig() { # DIR MODE CACHE_SECONDS
  cat > "$1/config.yaml" <<YAML
s3: {endpoint: file://$D/segments, bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: sqlite://$1/catalog.db}
  warehouse: file://$1/warehouse
offsets: {backend: local, local_path: $1/offsets.json}
schema: {mode: $2, registry: {base_url: "http://127.0.0.1:$PORT", timeout_seconds: 2, cache_seconds: $3}}
log: {level: info}
mappings:
  - {topic: orders, table: shop.orders, create_table_if_missing: true}
YAML
}

start_registry
# lenient
W=$D/lenient; mkdir -p "$W"; vconfig "$W" lenient 300
"$BIN" --once -config="$W/config.yaml" 2> "$W/log" || { cat "$W/log"; exit 1; }
cp "$D/expected-lenient.jsonl" "$W/expected-orders.jsonl"
check_table "$W" orders shop.orders > "$W/check" || { cat "$W/check"; exit 1; }
while read -r off kw; do
  grep 'msg="invalid record dropped"' "$W/log" | grep "topic=orders partition=0 offset=$off reason=\"schema keyword $kw" > /dev/null ||
    { echo "lenient: offset $off ($kw) not logged"; grep invalid "$W/log"; exit 1; }
done < "$D/invalid.txt"
n=$(grep -c 'msg="invalid record dropped"' "$W/log")
[ "$n" = "$(wc -l < "$D/invalid.txt")" ] || { echo "lenient: $n dropped"; exit 1; }
# cache_seconds 300: one registry GET for the whole run (+1: our start probe)
gets=$(grep -c 'GET /orders.json' "$D/registry.log")
[ "$gets" = 2 ] || { echo "lenient: $gets registry GETs, want 1 (+1 probe)"; exit 1; }
echo "lenient: $n invalid records dropped, $(wc -l < "$W/expected-orders.jsonl") written, 1 registry fetch"

# strict: stops at the first invalid offset (8)
W=$D/strict; mkdir -p "$W"; vconfig "$W" strict 300
set +e; "$BIN" --once -config="$W/config.yaml" 2> "$W/log"; rc=$?; set -e
[ $rc = 2 ] || { echo "strict: exit $rc"; cat "$W/log"; exit 1; }
read -r first kw < "$D/invalid.txt"
grep -q "msg=\"invalid record: partition stopped (on_invalid stop)\" topic=orders partition=0 offset=$first reason=\"schema keyword $kw" "$W/log" ||
  { echo "strict: no stop line for offset $first"; cat "$W/log"; exit 1; }
head -$first "$D/expected-lenient.jsonl" > "$W/expected-orders.jsonl"
check_table "$W" orders shop.orders > "$W/check" || { cat "$W/check"; exit 1; }
set +e; "$BIN" --once -config="$W/config.yaml" 2> "$W/log2"; rc=$?; set -e
[ $rc = 2 ] || { echo "strict rerun: exit $rc"; exit 1; }
check_table "$W" orders shop.orders > "$W/check" || { cat "$W/check"; exit 1; }
echo "strict: stopped at offset $first ($kw), $first records committed"

# outage: run mode with cache_seconds 1; the registry goes away after the
# first fetch; new data is still validated with the last good schema
W=$D/outage; mkdir -p "$W"; vconfig "$W" lenient 1
sed -i 's/^log:.*/processor: {poll_interval_seconds: 1, commit_interval_seconds: 1}\nlog: {level: info}/' "$W/config.yaml"
mkdir -p "$W/seg"; mv "$D/segments/bucket/prod/orders/0/segment-00000000000000000050".* "$W/seg/"
"$BIN" -config="$W/config.yaml" 2> "$W/log" & pid=$!
for _ in $(seq 1 60); do grep -q 'msg=committed' "$W/log" && break; sleep 0.25; done
stop_registry
sleep 2.5
mv "$W/seg/"* "$D/segments/bucket/prod/orders/0/"
for _ in $(seq 1 60); do [ "$(grep -c 'msg=committed' "$W/log")" -ge 2 ] && break; sleep 0.25; done
kill -TERM $pid; wait $pid || { echo "outage: exit $?"; cat "$W/log"; exit 1; }
grep -q 'msg="schema registry unreachable; keeping the last good schema"' "$W/log" ||
  { echo "outage: no warning"; cat "$W/log"; exit 1; }
cp "$D/expected-lenient.jsonl" "$W/expected-orders.jsonl"
check_table "$W" orders shop.orders > "$W/check" || { cat "$W/check"; exit 1; }
echo "outage: last good schema kept, all valid records written"

# no registry at all: nothing is written, the error names the URL
W=$D/none; mkdir -p "$W"; vconfig "$W" lenient 300
set +e; "$BIN" --once -config="$W/config.yaml" 2> "$W/log"; rc=$?; set -e
[ $rc = 3 ] || { echo "no registry: exit $rc"; cat "$W/log"; exit 1; }
grep -q "http://127.0.0.1:$PORT/orders.json" "$W/log" || { echo "no registry: URL not named"; cat "$W/log"; exit 1; }
[ ! -s "$W/offsets.json" ] || { echo "no registry: something was committed"; exit 1; }
echo "no registry: refused to write unvalidated records"
echo "1 passed, 0 failed"
