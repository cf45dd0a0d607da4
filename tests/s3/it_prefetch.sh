#!/usr/bin/env bash
# Read-ahead of S3 segments (processor.fetch_concurrency): segments larger
# than a chunk (8 MiB) are read as ranged GETs of 8 MiB, several in flight.
#   1. through the signature-checking proxy: the table is exact, and every
#      big segment was read with about size/8 MiB ranged GETs and no
#      whole-object GET;
#   2. with 20% injected faults (500, 503, stalls, cuts mid-body) on those
#      GETs, a run-mode processor still ends with every record exactly once.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/lib.sh"
D=$WORK/s3pf; mkdir -p "$D"
PIDS=()
fail() { echo "FAIL: $*"; for f in "$D"/*.log; do echo "--- $f"; tail -20 "$f"; done; exit 1; }

s3_start segments wh1 wh2
trap 'for x in "${PIDS[@]}"; do kill -9 $x 2>/dev/null || true; done; s3_stop; rm -rf "$WORK"' EXIT
s3_proxy_start 0 1
# two segments of ~20 MiB and a small one, uncompressed so sizes are known
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 110000 --segment-bytes 20M --codec none --value-bytes 300 \
  --seed 5 --quiet
$PY "$ROOT/tests/s3/s3sync.py" up "$D/segments/bucket" "$S3_ENDPOINT" segments > /dev/null
big=$(find "$D/segments" -name '*.kfs' -size +8M | wc -l)
chunks=$(find "$D/segments" -name '*.kfs' -size +8M -printf '%s\n' |
         awk '{c += int(($1 + 8388607) / 8388608)} END {print c}')
[ "$big" -ge 2 ] || fail "only $big segments over 8 MiB"

cfg() { # FILE WAREHOUSE_BUCKET
  cat > "$1" <<YAML
s3: {endpoint: "$S3_PROXY_ENDPOINT", bucket: segments, namespace: prod, region: us-east-1, path_style: true}
iceberg:
  catalog: {type: sql, uri: "sqlite://$D/catalog-$2.db"}
  warehouse: s3://$2/lake
  s3: {endpoint: "$S3_ENDPOINT", path_style: true}
offsets: {backend: local, local_path: "$D/offsets-$2.json"}
processor: {poll_interval_seconds: 1, commit_interval_seconds: 1, fetch_concurrency: 3, threads: 4}
log: {level: warn}
mappings:
  - {topic: orders, table: shop.orders, create_table_if_missing: true}
YAML
}
count() {
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("by_bucket",{}).get("segments",{}).get(sys.argv[2],0))' \
    "$S3_PROXY_COUNTS" "$1"
}
: > "$D/expected-clicks.jsonl"; : > "$D/expected-payments.jsonl"
expected "$D"

cfg "$D/once.yaml" wh1
"$BIN" --once -config="$D/once.yaml" 2> "$D/once.log" || fail "--once exit $?"
[ "$(s3_proxy_count sig_rejected)" = 0 ] || fail "the proxy rejected signatures"
get=$(count "GET object"); range=$(count "GET range")
nseg=$(find "$D/segments" -name '*.kfs' | wc -l)
echo "$nseg segments ($big over 8 MiB, $chunks chunks of 8 MiB): GET object $get, GET range $range"
# big segments: one ranged GET per chunk (plus the footer's); small ones:
# one whole GET and a footer GET
[ "$get" = $((nseg - big)) ] || fail "$get whole-object GETs, want $((nseg - big)) (the small segments)"
[ "$range" -ge $((chunks + nseg)) ] || fail "$range ranged GETs, want >= $((chunks + nseg))"
s3_check_table "$D" wh1 "$D/expected-orders.jsonl" || fail "table differs (wh1)"
echo "read ahead: table exact"

s3_proxy_start 0.35 13
cfg "$D/faults.yaml" wh2
"$BIN" -config="$D/faults.yaml" 2> "$D/faults.log" & pid=$!; PIDS+=($pid)
last=$(( 110000 - 1 ))
for i in $(seq 1 240); do
  [ -f "$D/offsets-wh2.json" ] && $PY - "$D/offsets-wh2.json" $last <<'PY' && break
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d and all(v["offset"] == int(sys.argv[2]) for v in d.values()) else 1)
PY
  sleep 0.5
done
[ $i -lt 240 ] || fail "not everything committed under faults in 120 s"
kill -TERM $pid; wait $pid || fail "faults run exit $?"
faults=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(d["faults"].values()))' "$S3_PROXY_COUNTS")
[ "$faults" -ge 3 ] || fail "too few faults injected ($faults)"
s3_check_table "$D" wh2 "$D/expected-orders.jsonl" || fail "table differs (wh2)"
echo "read ahead under $faults injected faults: every record exactly once"
echo "1 passed, 0 failed"
