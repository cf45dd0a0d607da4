#!/usr/bin/env bash
# The processor on S3 end to end: segments uploaded to an S3 server
# (s3rver behind tests/s3/faultproxy.py, which checks every SigV4
# signature and counts requests per bucket), an s3:// warehouse, the table
# downloaded and read back by icebird + DuckDB.
#   1. requests per processed segment: one whole-object GET of the .kfs,
#      one 16-byte ranged GET of its footer, no .index GET (reading starts
#      at the segment's first byte), LISTs shared by the poll;
#   2. an idle poll in run mode: one LIST per partition prefix, no GET
#      (processor.threads 4, as in every run here: its 4 workers exist);
#   3. with 20% injected faults (500, 503 SlowDown, stalls, connections
#      cut before and in the middle of bodies) on segments AND warehouse,
#      a run mode processor still ends with every record exactly once
#      (three runs, three fault seeds).
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/lib.sh"
D=$WORK/s3p; mkdir -p "$D"
PIDS=()
fail() { echo "FAIL: $*"; for f in "$D"/*.log; do echo "--- $f"; tail -20 "$f"; done; exit 1; }

s3_start segments wh1 wh2 wh3 wh4
# after s3_start, which sets its own trap
trap 'for x in "${PIDS[@]}"; do kill -9 $x 2>/dev/null || true; done; s3_stop; rm -rf "$WORK"' EXIT
s3_proxy_start 0 1
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics orders,clicks,payments \
  --partitions 2 --records-per-partition 3000 --segment-bytes 60000 --codec mixed \
  --value-bytes 100 --seed 5 --quiet
$PY "$ROOT/tests/s3/s3sync.py" up "$D/segments/bucket" "$S3_ENDPOINT" segments > /dev/null
NSEG=$(find "$D/segments" -name '*.kfs' | wc -l)
NPART=6

s3config() { # FILE WAREHOUSE_BUCKET ENDPOINT [run]
  cat > "$1" <<YAML
s3: {endpoint: "$3", bucket: segments, namespace: prod, region: us-east-1, path_style: true}
iceberg:
  catalog: {type: sql, uri: "sqlite://$(dirname "$1")/catalog-$2.db"}
  warehouse: s3://$2/lake
offsets: {backend: local, local_path: "$(dirname "$1")/offsets-$2.json"}
processor: {poll_interval_seconds: 1, commit_interval_seconds: 1, threads: 4}
log: {level: warn}
mappings:
  - {topic: orders, table: shop.orders, create_table_if_missing: true}
  - {topic: clicks, table: shop.clicks, create_table_if_missing: true}
  - {topic: payments, table: shop.payments, create_table_if_missing: true}
YAML
}
count() { # BUCKET KIND
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("by_bucket",{}).get(sys.argv[2],{}).get(sys.argv[3],0))' \
    "$S3_PROXY_COUNTS" "$1" "$2"
}
check_s3_tables() { # WAREHOUSE_BUCKET
  local dl=$D/dl-$1 t url file
  rm -rf "$dl"; $PY "$ROOT/tests/s3/s3sync.py" down "$S3_ENDPOINT" "$1" "$dl/$1" > /dev/null
  for t in orders clicks payments; do
    read -r url file < <($PY - "$D/catalog-$1.db" shop.$t <<'PY'
import sqlite3, sys, os
ns, name = sys.argv[2].rsplit(".", 1)
loc = sqlite3.connect(sys.argv[1]).execute(
    "SELECT metadata_location FROM iceberg_tables WHERE table_namespace=? AND table_name=?", (ns, name)).fetchone()[0]
print(os.path.dirname(os.path.dirname(loc)), os.path.basename(loc))
PY
)
    case $url in s3://$1/lake/*) ;; *) fail "table $t location $url is not in the S3 warehouse";; esac
    ICEBERG_CHECK_S3_ROOT=$dl node "$ROOT/tools/iceberg-check.mjs" "$url" "$file" "$D/expected-$t.jsonl" \
      > "$D/check-$t" || { cat "$D/check-$t"; fail "table $t differs"; }
  done
}
expected "$D"

# 1. one --once run through the signature-checking proxy
s3config "$D/once.yaml" wh1 "$S3_PROXY_ENDPOINT"
sed -i "s|warehouse: s3://wh1/lake|warehouse: s3://wh1/lake\n  s3: {endpoint: \"$S3_PROXY_ENDPOINT\", path_style: true}|" "$D/once.yaml"
"$BIN" --once -config="$D/once.yaml" 2> "$D/once.log" || fail "--once on S3: exit $?"
[ "$(s3_proxy_count sig_rejected)" = 0 ] || fail "the proxy rejected signatures"
get=$(count segments "GET object"); range=$(count segments "GET range"); list=$(count segments "GET list")
echo "per run of $NSEG segments over $NPART partitions: GET object $get, GET range $range, LIST $list"
# each segment (< 8 MiB) is read by one request and its footer by one:
# a whole-object GET, or a ranged one when it was fetched ahead while the
# previous segment was read (and no .index GET: reading starts at 0)
# (--once reads the partitions one after another, each in one go: every
# segment but the very first is fetched ahead while the one before it is
# read, the next partition's first one included, from its listing made
# ahead)
[ "$get" = 1 ] || fail "$get whole-object GETs for $NSEG segments in $NPART partitions (want 1)"
[ $((get + range)) = $((2 * NSEG)) ] ||
  fail "$get whole + $range ranged GETs for $NSEG segments (want one body and one footer each)"
# partitions + topic discovery + the start-up check of each mapped topic's prefix + partitions
[ "$list" -le $((NPART + 3 + 3 + NPART)) ] || fail "$list LISTs"
[ "$(count wh1 "PUT object")" -gt 0 ] || fail "nothing written to the S3 warehouse"
check_s3_tables wh1
echo "S3 warehouse tables read back exactly (icebird + DuckDB)"

# 2. idle polls in run mode: start, let it settle, then count a window
s3config "$D/run.yaml" wh1 "$S3_PROXY_ENDPOINT"
sed -i "s|warehouse: s3://wh1/lake|warehouse: s3://wh1/lake\n  s3: {endpoint: \"$S3_PROXY_ENDPOINT\", path_style: true}|" "$D/run.yaml"
"$BIN" -config="$D/run.yaml" 2> "$D/run.log" & pid=$!; PIDS+=($pid)
sleep 3
# processor.threads 4 took: the main thread, the HTTP server's and the
# pool's 4 workers (the default on a 2-core machine gives 2)
nthr=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
echo "idle run mode with processor.threads 4: $nthr threads"
[ "$nthr" -ge 6 ] || fail "$nthr threads: processor.threads 4 did not take"
l0=$(count segments "GET list"); g0=$(( $(count segments "GET object") + $(count segments "GET range") ))
t0=$(date +%s%N); sleep 8; t1=$(date +%s%N)
l1=$(count segments "GET list"); g1=$(( $(count segments "GET object") + $(count segments "GET range") ))
kill -TERM $pid; wait $pid || fail "run mode exit $?"
polls=$(( (t1 - t0) / 1000000000 ))
echo "idle: $((l1 - l0)) LISTs and $((g1 - g0)) GETs in ${polls} s of 1 s polls over $NPART partitions"
[ $((g1 - g0)) = 0 ] || fail "an idle poll read objects"
[ $((l1 - l0)) -le $(( (polls + 1) * NPART + 3 )) ] || fail "more than one LIST per partition per idle poll"

# 3. faults: 20% of requests to segments and warehouse fail in some way;
# three runs with different seeds (so different requests fail), each into
# a fresh warehouse bucket, each checked exactly once.
total=0
for run in "wh2 7" "wh3 11" "wh4 23"; do
  set -- $run; wh=$1; seed=$2
  s3_proxy_start 0.2 "$seed"
  s3config "$D/faults-$wh.yaml" "$wh" "$S3_PROXY_ENDPOINT"
  sed -i "s|warehouse: s3://$wh/lake|warehouse: s3://$wh/lake\n  s3: {endpoint: \"$S3_PROXY_ENDPOINT\", path_style: true}|" "$D/faults-$wh.yaml"
  sed -i 's/^log:.*/log: {level: error}/' "$D/faults-$wh.yaml"
  "$BIN" -config="$D/faults-$wh.yaml" 2> "$D/faults-$wh.log" & pid=$!; PIDS+=($pid)
  for i in $(seq 1 240); do
    [ -f "$D/offsets-$wh.json" ] && $PY - "$D/offsets-$wh.json" <<'PY' && break
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if len(d) == 6 and all(v["offset"] == 2999 for v in d.values()) else 1)
PY
    sleep 0.5
  done
  [ $i -lt 240 ] || fail "seed $seed: not everything committed under faults in 120 s"
  kill -TERM $pid; wait $pid || fail "seed $seed: faults run exit $?"
  faults=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(d["faults"].values()), json.dumps(d["faults"], sort_keys=True))' "$S3_PROXY_COUNTS")
  echo "seed $seed: faults injected: $faults"
  [ "${faults%% *}" -gt 15 ] || fail "seed $seed: too few faults injected to mean anything"
  total=$((total + ${faults%% *}))
  check_s3_tables "$wh"
  echo "seed $seed: under faults every record exactly once"
done
echo "faults injected over 3 runs: $total; every record exactly once in each"
echo "1 passed, 0 failed"
