#!/usr/bin/env bash
# Read-ahead across segments (S3): while a segment is read, the next one's
# footer and body are fetched ahead and adopted by its read.
#   1. --once through the logging proxy: every segment's body is fetched
#      once and its footer once, all but the first through the read-ahead
#      (ranged GETs), and the table is exact;
#   2. run mode, the last segment first uploaded with its footer zeroed
#      (same size: what a broken writer leaves): the read-ahead finds no
#      END!, the partition waits on it with the records before it
#      committed; once the complete object replaces it (same key, same
#      size), the processor reads it (a stale footer fetched ahead must not
#      keep it waiting) and every record is in the table exactly once.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/lib.sh"
D=$WORK/s3ahead; mkdir -p "$D"
PIDS=()
fail() { echo "FAIL: $*"; for f in "$D"/*.log; do echo "--- $f"; tail -20 "$f"; done; exit 1; }

s3_start segments wh1 wh2
trap 'for x in "${PIDS[@]}"; do kill -9 $x 2>/dev/null || true; done; s3_stop; rm -rf "$WORK"' EXIT
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 6000 --segment-bytes 300000 --codec none --value-bytes 200 \
  --seed 8 --quiet
nseg=$(find "$D/segments" -name '*.kfs' | wc -l)
[ "$nseg" -ge 4 ] || fail "only $nseg segments"
$PY "$ROOT/tests/s3/s3sync.py" up "$D/segments/bucket" "$S3_ENDPOINT" segments > /dev/null
: > "$D/expected-clicks.jsonl"; : > "$D/expected-payments.jsonl"
expected "$D"
total=$(wc -l < "$D/expected-orders.jsonl")

cfg() { # FILE WAREHOUSE_BUCKET
  cat > "$1" <<YAML
s3: {endpoint: "$S3_PROXY_ENDPOINT", bucket: segments, namespace: prod, region: us-east-1, path_style: true}
iceberg:
  catalog: {type: sql, uri: "sqlite://$D/catalog-$2.db"}
  warehouse: s3://$2/lake
  s3: {endpoint: "$S3_ENDPOINT", path_style: true}
offsets: {backend: local, local_path: "$D/offsets-$2.json"}
processor: {poll_interval_seconds: 1, commit_interval_seconds: 1, fetch_concurrency: 4, threads: 4}
log: {level: info}
mappings:
  - {topic: orders, table: shop.orders, create_table_if_missing: true}
YAML
}
# requests on .kfs objects from the proxy's log: "whole ranged"
kfs_gets() {
  $PY - "$1" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
k = [r for r in recs if r.get("key", "").endswith(".kfs")]
print(sum(1 for r in k if r["kind"] == "GET object"), sum(1 for r in k if r["kind"] == "GET range"))
PY
}

# 1. --once
s3_proxy_start 0 1 --log "$D/proxy1.jsonl"
cfg "$D/once.yaml" wh1
"$BIN" --once -config="$D/once.yaml" 2> "$D/once.log" || fail "--once exit $?"
read -r whole ranged < <(kfs_gets "$D/proxy1.jsonl")
echo "--once: $nseg segments: $whole whole-object GETs, $ranged ranged GETs"
[ "$whole" = 1 ] || fail "$whole whole-object GETs: want 1 (the first segment; the rest read ahead)"
[ $((whole + ranged)) = $((2 * nseg)) ] || fail "$((whole + ranged)) GETs for $nseg segments, want $((2 * nseg))"
s3_check_table "$D" wh1 "$D/expected-orders.jsonl" || fail "table differs (wh1)"
echo "--once: table exact"

# 2. the last segment's footer zeroed, then the complete object
last=$(find "$D/segments/bucket/prod/orders/0" -name '*.kfs' | sort | tail -1)
base=$(basename "$last" .kfs); base=$((10#${base##*-}))
mkdir -p "$D/broken/prod/orders/0"
cp "$last" "$D/broken/prod/orders/0/"
size=$(stat -c %s "$last")
$PY - "$D/broken/prod/orders/0/$(basename "$last")" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-16:] = bytes(16)
open(p, "wb").write(bytes(b))
PY
$PY "$ROOT/tests/s3/s3sync.py" up "$D/broken" "$S3_ENDPOINT" segments > /dev/null
s3_proxy_start 0 1 --log "$D/proxy2.jsonl"
cfg "$D/run.yaml" wh2
"$BIN" -config="$D/run.yaml" 2> "$D/run.log" & pid=$!; PIDS+=($pid)
want=$((base - 1))
for i in $(seq 1 120); do
  [ -f "$D/offsets-wh2.json" ] && $PY - "$D/offsets-wh2.json" $want <<'PY' && break
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d and all(v["offset"] == int(sys.argv[2]) for v in d.values()) else 1)
PY
  sleep 0.5
done
[ $i -lt 120 ] || fail "the records before the broken segment were not committed in 60 s"
sleep 2 # a few more polls: it must keep waiting, not read past END!-less bytes
$PY - "$D/offsets-wh2.json" $want <<'PY' || fail "offsets moved past the segment without END!"
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if all(v["offset"] == int(sys.argv[2]) for v in d.values()) else 1)
PY
$PY -c 'import json,sys
for l in open(sys.argv[1]):
    print(l, end="") if json.loads(l)["offset"] < int(sys.argv[2]) else None' \
  "$D/expected-orders.jsonl" "$base" > "$D/expected-before.jsonl"
s3_check_table "$D" wh2 "$D/expected-before.jsonl" || fail "table differs (wh2)"
echo "waiting on $(basename "$last") (no END!, $size bytes): $(wc -l < "$D/expected-before.jsonl") records committed"
# the complete object, same key and size
mkdir -p "$D/fixed/prod/orders/0"; cp "$last" "$D/fixed/prod/orders/0/"
$PY "$ROOT/tests/s3/s3sync.py" up "$D/fixed" "$S3_ENDPOINT" segments > /dev/null
want=$(( $(tail -1 "$D/expected-orders.jsonl" | $PY -c 'import json,sys; print(json.loads(sys.stdin.read())["offset"])') ))
for i in $(seq 1 120); do
  $PY - "$D/offsets-wh2.json" $want <<'PY' && break
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if all(v["offset"] == int(sys.argv[2]) for v in d.values()) else 1)
PY
  sleep 0.5
done
[ $i -lt 120 ] || fail "the completed segment was not read in 60 s"
kill -TERM $pid; wait $pid || fail "run mode exit $?"
s3_check_table "$D" wh2 "$D/expected-orders.jsonl" || fail "table differs (wh2)"
echo "completed in place: all $total records exactly once"
echo "1 passed, 0 failed"
