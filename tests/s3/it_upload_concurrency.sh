#!/usr/bin/env bash
# Concurrent multipart uploads of the processor's data files
# (s3.upload_concurrency, src/s3/s3_upload.c) against s3rver, the
# warehouse behind tests/s3/faultproxy.py (which logs every request's
# start and end). One topic of ~44 MB of incompressible records, so one
# Parquet file of several 8 MiB parts. Every run has processor.threads 4
# and processor.fetch_concurrency 4: the segments (16 MB, over the 8 MiB
# read-ahead chunk) are read with ranged GETs ahead of the decoder while
# pages encode on 4 threads and parts upload.
#   1. default concurrency (4, iceberg.s3.* inheriting s3.*), 150 ms added
#      per request: parts of one upload are in flight at the same time; the
#      table holds every record exactly once; no upload left open;
#   2. 50% of part uploads and completes fail (500, 503 SlowDown, stalls,
#      cuts; which ones is fixed by the seed) while parts upload
#      concurrently (checked as in 1), in run mode: every record exactly
#      once, no upload left open; the segments were read ahead (ranged
#      GETs, counted by the proxy they are read through in this step);
#   3. s3.upload_concurrency 1 (inherited by the warehouse): never two
#      parts of one upload in flight, table exact.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/lib.sh"
D=$WORK/up; mkdir -p "$D"
PIDS=()
fail() { echo "FAIL: $*"; for f in "$D"/*.log; do echo "--- $f"; tail -20 "$f"; done; exit 1; }

s3_start segments wh1 wh2 wh3
trap 'for x in "${PIDS[@]}"; do kill -9 $x 2>/dev/null || true; done; s3_stop; rm -rf "$WORK"' EXIT
N=11000
# 4 KB of random base64 per record: zstd cannot shrink the Parquet file
# below ~33 MB, i.e. 4-5 parts of 8 MiB.
$PY - "$D/values.jsonl" $N <<'PY'
import base64, json, random, sys
rng = random.Random(15)
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"i": i, "blob": base64.b64encode(rng.randbytes(3000)).decode()}) + "\n")
PY
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics orders --partitions 1 \
  --records-per-partition $N --segment-bytes 16000000 --codec none \
  --value-json "$D/values.jsonl" --seed 5 --quiet
$PY "$ROOT/tests/s3/s3sync.py" up "$D/segments/bucket" "$S3_ENDPOINT" segments > /dev/null
expected "$D"

config() { # WAREHOUSE_BUCKET UPLOAD_CONCURRENCY
  cat > "$D/$1.yaml" <<YAML
s3: {endpoint: "$S3_ENDPOINT", bucket: segments, namespace: prod, region: us-east-1, path_style: true, upload_concurrency: $2}
iceberg:
  catalog: {type: sql, uri: "sqlite://$D/catalog-$1.db"}
  warehouse: s3://$1/lake
  s3: {endpoint: "$S3_PROXY_ENDPOINT", path_style: true}
offsets: {backend: local, local_path: "$D/offsets-$1.json"}
processor: {poll_interval_seconds: 1, commit_interval_seconds: 1, threads: 4, fetch_concurrency: 4}
log: {level: warn}
mappings:
  - {topic: orders, table: shop.orders, create_table_if_missing: true}
YAML
}
# Prints "uploads max_parts max_in_flight faulted_parts" from a proxy log
# (PUT part requests that succeeded, or all of them with "all"): the most
# part requests of one upload whose [start, end - 50 ms] intervals overlap
# (a part's reply and the next part's request may cross by a hair on one
# connection pool), and the part requests that got a fault.
parts_stats() { # LOG [all]
  $PY - "$1" "${2:-ok}" <<'PY'
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
by = collections.defaultdict(list)
for r in recs:
    if r["kind"] == "PUT part" and (r["status"] == 200 or sys.argv[2] != "ok"):
        by[r["upload"]].append((r["start"], max(r["start"], r["end"] - 0.05), r["part"]))
best = 0
for iv in by.values():
    ev = sorted([(s, 1) for s, _, _ in iv] + [(e, -1) for _, e, _ in iv])
    cur = 0
    for _, d in ev:
        cur += d
        best = max(best, cur)
faulted = sum(1 for r in recs if r["kind"] == "PUT part" and r["fault"])
print(len(by), max((len({p for _, _, p in iv}) for iv in by.values()), default=0), best, faulted)
PY
}

# 1. concurrency 4 (the default), no faults, 150 ms per request
s3_proxy_start 0 1 --latency-ms 150 --log "$D/proxy1.jsonl"
config wh1 4
sed -i 's/, upload_concurrency: 4}/}/' "$D/wh1.yaml" # the default, inherited
"$BIN" --once -config="$D/wh1.yaml" 2> "$D/once1.log" || fail "--once: exit $?"
read -r ups maxp inflight _ < <(parts_stats "$D/proxy1.jsonl")
echo "concurrency 4: $ups multipart upload(s), up to $maxp parts, up to $inflight parts in flight at once"
[ "$maxp" -ge 3 ] || fail "the data file had $maxp parts; the test needs several"
[ "$inflight" -ge 2 ] || fail "parts of one upload were never in flight together"
[ "$inflight" -le 4 ] || fail "$inflight parts in flight, more than upload_concurrency"
[ "$(s3_proxy_count open_uploads)" = 0 ] || fail "multipart uploads left open"
s3_check_table "$D" wh1 "$D/expected-orders.jsonl" || fail "table in wh1 differs"
echo "concurrency 4: every record exactly once"

# 2. faults on half the part uploads and completes, run mode
s3_proxy_start 0.5 3 --fault-kinds "PUT part,POST complete" --latency-ms 100 \
  --log "$D/proxy2.jsonl"
config wh2 4
# the segments through the proxy too (their reads get no fault: only
# parts and completes do), to count the read-ahead's ranged GETs
sed -i "s|^s3: {endpoint: \"$S3_ENDPOINT\"|s3: {endpoint: \"$S3_PROXY_ENDPOINT\"|" "$D/wh2.yaml"
grep -q "^s3: {endpoint: \"$S3_PROXY_ENDPOINT\"" "$D/wh2.yaml" || fail "segments not routed through the proxy"
"$BIN" -config="$D/wh2.yaml" 2> "$D/run2.log" & pid=$!; PIDS+=($pid)
for i in $(seq 1 360); do
  [ -f "$D/offsets-wh2.json" ] && $PY - "$D/offsets-wh2.json" $N <<'PY' && break
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if len(d) == 1 and all(v["offset"] == int(sys.argv[2]) - 1 for v in d.values()) else 1)
PY
  sleep 0.5
done
[ $i -lt 360 ] || fail "not everything committed under faults in 180 s"
kill -TERM $pid; wait $pid || fail "faults run exit $?"
read -r ups maxp inflight faulted < <(parts_stats "$D/proxy2.jsonl" all)
faults=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(d["faults"], sort_keys=True))' "$S3_PROXY_COUNTS")
big=$(find "$D/segments" -name '*.kfs' -size +8M | wc -l)
seg_range=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["by_bucket"]["segments"].get("GET range", 0))' "$S3_PROXY_COUNTS")
echo "faults: $faulted part requests failed ($faults); up to $inflight part requests in flight at once"
echo "read ahead: $big segments over 8 MiB, $seg_range ranged GETs of segments"
[ "$big" -ge 2 ] || fail "only $big segments over 8 MiB"
[ "$seg_range" -ge $((2 * big)) ] || fail "the segments over 8 MiB were not read ahead in ranges"
[ "$faulted" -ge 2 ] || fail "too few faults on part uploads to mean anything"
[ "$inflight" -ge 2 ] || fail "parts were not in flight together under faults"
[ "$(s3_proxy_count open_uploads)" = 0 ] || fail "multipart uploads left open after faults"
s3_check_table "$D" wh2 "$D/expected-orders.jsonl" || fail "table in wh2 differs"
echo "faults: every record exactly once, no upload left open"

# 3. s3.upload_concurrency 1, inherited by the warehouse: one part at a time
s3_proxy_start 0 1 --latency-ms 150 --log "$D/proxy3.jsonl"
config wh3 1
"$BIN" --once -config="$D/wh3.yaml" 2> "$D/once3.log" || fail "--once (concurrency 1): exit $?"
read -r ups maxp inflight _ < <(parts_stats "$D/proxy3.jsonl")
echo "concurrency 1: $ups upload(s), up to $maxp parts, up to $inflight in flight"
[ "$maxp" -ge 3 ] || fail "the data file had $maxp parts"
[ "$inflight" = 1 ] || fail "$inflight parts in flight with upload_concurrency 1"
[ "$(s3_proxy_count open_uploads)" = 0 ] || fail "multipart uploads left open"
s3_check_table "$D" wh3 "$D/expected-orders.jsonl" || fail "table in wh3 differs"
echo "concurrency 1: every record exactly once"
echo "1 passed, 0 failed"
