#!/usr/bin/env bash
# Maintenance in run mode (issue 17, deliverables 2 and 9): the
# maintenance thread runs a pass every maintenance.interval_seconds (1 s
# here; max_age 0 and min_keep 2: every pass expires all but 2 snapshots)
# while ingest goes on.
#   A. One worker, the REST test catalog answering ingest's and
#      maintenance's commits with random 409s, 500s before applying and
#      503s after applying, while segments keep arriving. At the end:
#      every record exactly once (icebird + DuckDB: count and distinct
#      offsets), the tables keep a few snapshots only, the metrics count
#      passes, compacted files (every 2 small files of a partition are
#      compacted: replace snapshots meet ingest's appends) and expired
#      snapshots, /status shows each table's last pass.
#   B. Two workers on etcd (SQLite catalog): each table is maintained by
#      one worker at a time (the key <prefix>/maintenance/<table>, attached
#      to the worker's etcd lease): the passes of a table logged by both
#      workers never overlap in time, the key names the worker that holds
#      it, and it is gone once both stopped; exactly once again.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/catalog/rest_lib.sh"
PIDS=()
[ -z "${KEEP_WORK:-}" ] || echo "WORK=$WORK"
ETCD_PID=
cleanup() {
  local p
  for p in "${PIDS[@]}" $ETCD_PID; do kill -9 "$p" 2>/dev/null || true; done
  cleanup_rest
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$WORK"/*/w*.log "$WORK"/*/server.log; do [ -f "$f" ] || continue; echo "--- $f"; tail -20 "$f"; done; exit 1; }

# feed SRC DST STEP OF: copies the first STEP/OF of every partition's segments
feed() {
  local src=$1 dst=$2 step=$3 of=$4 dir t p n k f
  for dir in "$src"/prod/*/*/; do
    t=$(basename "$(dirname "$dir")"); p=$(basename "$dir")
    mkdir -p "$dst/bucket/prod/$t/$p"
    n=$(ls "$dir"/*.kfs | wc -l); k=$(( (n * step + of - 1) / of ))
    for f in $(ls "$dir"/*.kfs | sort | head -$k); do
      [ -e "$dst/bucket/prod/$t/$p/$(basename "$f")" ] ||
        cp "$f" "${f%.kfs}.index" "$dst/bucket/prod/$t/$p/"
    done
  done
}
# last_offsets SRC -> "topic/p=last ..." from the newest segments' footers
last_offsets() {
  $PY - "$1/prod" <<'PY'
import os, sys, struct
root = sys.argv[1]; out = {}
for t in os.listdir(root):
    for p in os.listdir(os.path.join(root, t)):
        ks = sorted(f for f in os.listdir(os.path.join(root, t, p)) if f.endswith(".kfs"))
        data = open(os.path.join(root, t, p, ks[-1]), "rb").read()
        out[f"{t}/{p}"] = struct.unpack(">q", data[-12:-4])[0]
print(" ".join(f"{k}={v}" for k, v in sorted(out.items())))
PY
}
port_of() { # LOG -> the HTTP port the worker listens on
  local i
  for i in $(seq 100); do
    grep -q 'http endpoints listening' "$1" 2>/dev/null && break; sleep 0.1
  done
  grep -o 'http endpoints listening.* port=[0-9]*' "$1" | head -1 | sed 's/.*port=//'
}
metric() { # PORT NAME TABLE -> value (0 when absent)
  curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2{table=\"$3\"}" '$1 == n {print $2; f=1} END {if (!f) print 0}'
}
# compaction of every 2 small files (the ingest of a second makes several
# per partition); orphan removal keeps its default age (3 days): files of
# ingest's commits in flight are unreferenced until they land
MAINT='maintenance: {interval_seconds: 1, expire_snapshots: {max_age_seconds: 0, min_keep: 2}, compaction: {min_input_files: 2}}'

# ---------------------------------------------------------------- A
D=$WORK/a; mkdir -p "$D/segments/bucket"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks --partitions 2 \
  --records-per-partition 600 --segment-bytes 2500 --batch-records 10 --codec none --value-bytes 40 --seed 17 --quiet
start_server "$D"
MAPPINGS='  - {topic: orders, table: shop.orders, create_table_if_missing: true}
  - {topic: clicks, table: shop.clicks, create_table_if_missing: true}' write_rest_config "$D" "$URL"
sed -i 's/^  level: warn/  level: info/' "$D/config.yaml"
echo "$MAINT" >> "$D/config.yaml"
set_faults "$URL" '{"random": {"409": 0.1, "500-before": 0.1, "503-after": 0.1}, "seed": 5}'
feed "$D/all" "$D/segments" 1 6
"$BIN" -config="$D/config.yaml" 2> "$D/w1.log" & W=$!; PIDS+=($W)
PORT=$(port_of "$D/w1.log"); [ -n "$PORT" ] || fail "A: no HTTP port in the log"
for step in 2 3 4 5 6; do sleep 2; feed "$D/all" "$D/segments" $step 6; done
LAST=$(last_offsets "$D/all")
got=
for _ in $(seq 240); do
  got=$($PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s=%s" % (k, v["offset"]) for k, v in sorted(d.items())))' "$D/state/offsets.json" 2>/dev/null || true)
  [ "$got" = "$LAST" ] && break
  sleep 0.5
done
[ "$got" = "$LAST" ] || fail "A: committed '$got', want '$LAST'"
# faults off: the next passes leave the tables at min_keep snapshots
set_faults "$URL" '{}'
t_done=$($PY -c 'import time; print(int(time.time() * 1000))')
for _ in $(seq 120); do
  ok=$(curl -s "http://127.0.0.1:$PORT/status" | $PY -c '
import json, sys
s = json.load(sys.stdin); t0 = int(sys.argv[1])
print(all(t["maintenance"]["last_pass"] and t["maintenance"]["last_pass"]["result"] == "ok"
          and t["maintenance"]["last_pass"]["ended_ms"] > t0 for t in s["tables"]))' "$t_done")
  [ "$ok" = True ] && break
  sleep 0.5
done
[ "$ok" = True ] || fail "A: no successful pass after the data was committed"
curl -s "http://127.0.0.1:$PORT/status" > "$D/status.json"
$PY - "$D/status.json" <<'PY' || fail "A: /status"
import json, sys
s = json.load(open(sys.argv[1]))
assert len(s["tables"]) == 2, s
for t in s["tables"]:
    m = t["maintenance"]
    assert m["interval_seconds"] == 1 and m["passes"] >= 2, m
    lp = m["last_pass"]
    for k in ("ended_ms", "duration_ms", "result", "error", "snapshots_expired", "snapshots_kept",
              "manifest_lists_deleted", "manifests_deleted", "data_files_deleted",
              "files_compacted_in", "files_compacted_out", "orphans_removed", "bytes_freed"):
        assert k in lp, (k, lp)
    assert lp["result"] == "ok" and lp["error"] is None and lp["snapshots_kept"] <= 2, lp
PY
for t in orders clicks; do
  passes=$(metric "$PORT" kafscale_processor_maintenance_passes_total shop.$t)
  expired=$(metric "$PORT" kafscale_processor_maintenance_snapshots_expired_total shop.$t)
  freed=$(metric "$PORT" kafscale_processor_maintenance_bytes_freed_total shop.$t)
  ts=$(metric "$PORT" kafscale_processor_maintenance_last_pass_timestamp_seconds shop.$t)
  cin=$(metric "$PORT" kafscale_processor_maintenance_files_compacted_in_total shop.$t)
  cout=$(metric "$PORT" kafscale_processor_maintenance_files_compacted_out_total shop.$t)
  echo "A: shop.$t: passes $passes, files compacted $cin -> $cout, snapshots expired $expired, bytes freed $freed"
  [ "$passes" -ge 2 ] && [ "$expired" -ge 3 ] && [ "$freed" -gt 0 ] ||
    fail "A: metrics of shop.$t: passes $passes expired $expired freed $freed"
  [ "$cin" -ge 2 ] && [ "$cout" -ge 1 ] && [ "$cout" -lt "$cin" ] ||
    fail "A: shop.$t was not compacted while ingest ran: $cin -> $cout"
  $PY -c 'import sys, time; assert abs(float(sys.argv[1]) - time.time()) < 120' "$ts" ||
    fail "A: last pass timestamp $ts"
done
curl -s "http://127.0.0.1:$PORT/metrics" | grep -q '^kafscale_processor_maintenance_pass_duration_seconds_count{table="shop.orders"} [1-9]' ||
  fail "A: pass duration histogram"
stats "$URL" > "$D/stats.json"
$PY -c '
import json, sys
f = json.load(open(sys.argv[1]))["faults"]
assert f.get("409", 0) + f.get("500-before", 0) + f.get("503-after", 0) >= 3, f
print("A: faults injected:", f)' "$D/stats.json" || fail "A: faults"
t0=$(date +%s%N)
kill -TERM $W; wait $W || fail "A: exit $? after SIGTERM"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "A: stopped ${ms} ms after SIGTERM"
# the maintenance thread sleeps on a condition variable: a stop wakes it
[ $ms -lt 10000 ] || fail "A: shutdown took ${ms} ms"
grep -q 'msg="maintenance pass"' "$D/w1.log" || fail "A: no maintenance pass logged"
for t in orders clicks; do
  read -r url file < <(rest_metadata_of "$D" shop.$t)
  n=$($PY -c 'import json, sys; print(len(json.load(open(sys.argv[1])).get("snapshots", [])))' "${url#file://}/metadata/$file")
  echo "A: shop.$t keeps $n snapshots"
  [ "$n" -le 2 ] || fail "A: shop.$t keeps $n snapshots (min_keep 2)"
done
expected "$D"
for t in orders clicks; do
  rest_check_table "$D" $t shop.$t > "$D/check-$t" || { cat "$D/check-$t"; fail "A: table $t"; }
done

# ---------------------------------------------------------------- B
D=$WORK/b; mkdir -p "$D/segments/bucket"
source "$ROOT/tests/etcd/lib.sh"
etcd_ports
EURL=$ETCD_URL
etcd_launch "$D/etcd" "$D/etcd.log"
ctl() { etcdctl --endpoints="$EURL" --dial-timeout=2s --command-timeout=3s "$@"; }
etcd_healthy ctl || fail "B: etcd did not start"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks,payments --partitions 2 \
  --records-per-partition 500 --segment-bytes 2500 --batch-records 10 --codec none --value-bytes 40 --seed 23 --quiet
config() { # NAME
  cat > "$D/$1.yaml" <<YAML
s3: {endpoint: file://$D/segments, bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: sqlite://$D/catalog.db}
  warehouse: file://$D/warehouse
offsets: {backend: etcd, lease_ttl_seconds: 4}
etcd: {endpoints: ["$EURL"]}
discovery: {mode: s3}
processor: {poll_interval_seconds: 1, commit_interval_seconds: 1, threads: ${ICP_TEST_THREADS:-4}, worker_id: $1}
$MAINT
log: {level: info}
mappings:
  - {topic: orders, table: shop.orders, create_table_if_missing: true}
  - {topic: clicks, table: shop.clicks, create_table_if_missing: true}
  - {topic: payments, table: shop.payments, create_table_if_missing: true}
YAML
}
feed "$D/all" "$D/segments" 1 5
# the tables first (two processes creating one table race for it)
config w1; config w2
"$BIN" --once -config="$D/w1.yaml" 2> "$D/w0.log" || fail "B: first --once"
"$BIN" -config="$D/w1.yaml" 2> "$D/w1.log" & W1=$!; PIDS+=($W1)
"$BIN" -config="$D/w2.yaml" 2> "$D/w2.log" & W2=$!; PIDS+=($W2)
P1=$(port_of "$D/w1.log"); P2=$(port_of "$D/w2.log")
[ -n "$P1" ] && [ -n "$P2" ] || fail "B: no HTTP ports in the logs"
feed "$D/all" "$D/segments" 2 5
sleep 2
# a maintenance key held by someone else (another etcd lease): nobody
# maintains shop.payments while it exists
L=$(ctl lease grant 60 | awk '{print $2}')
ctl put --lease="$L" processors/maintenance/shop.payments '{"owner_id":"other","started_at":0}' > /dev/null ||
  fail "B: planting a maintenance key"
plant_ms=$($PY -c 'import time; print(int(time.time() * 1000))')
feed "$D/all" "$D/segments" 3 5
sleep 4
unplant_ms=$($PY -c 'import time; print(int(time.time() * 1000))')
[ "$(ctl get processors/maintenance/shop.payments --print-value-only)" = '{"owner_id":"other","started_at":0}' ] ||
  fail "B: a worker took over a maintenance key it does not hold"
ctl lease revoke "$L" > /dev/null
feed "$D/all" "$D/segments" 4 5
sleep 2
feed "$D/all" "$D/segments" 5 5
LAST=$(last_offsets "$D/all")
for _ in $(seq 240); do
  got=$(ctl get --prefix processors/offsets/ 2>/dev/null | $PY -c '
import sys, json
lines = sys.stdin.read().split("\n")
d = {}
for k, v in zip(lines[0::2], lines[1::2]):
    d[k[len("processors/offsets/"):]] = json.loads(v)["offset"]
print(" ".join(f"{k}={v}" for k, v in sorted(d.items())))')
  [ "$got" = "$LAST" ] && break
  sleep 0.5
done
[ "$got" = "$LAST" ] || fail "B: offsets in etcd '$got', want '$LAST'"
sleep 3 # a few more passes over the finished tables
skipped=0
for port in $P1 $P2; do
  v=$(metric "$port" kafscale_processor_maintenance_skipped_total shop.payments)
  skipped=$((skipped + ${v%.*}))
done
[ "$skipped" -ge 3 ] || fail "B: shop.payments skipped $skipped times while its key was held"
ctl get processors/maintenance-last/shop.orders --print-value-only | $PY -c '
import sys, json
v = json.loads(sys.stdin.read())
assert set(v) == {"owner_id", "ended_at"} and v["owner_id"] in ("w1", "w2"), v' || fail "B: maintenance-last key"
kill -TERM $W1 $W2
wait $W1 || fail "B: w1 exit $? after SIGTERM"
wait $W2 || fail "B: w2 exit $? after SIGTERM"
[ -z "$(ctl get --prefix processors/maintenance/ --keys-only)" ] || fail "B: maintenance keys left after both stopped"
# passes per table from both logs: never two at once, about one per
# interval (1 s; the next starts at least 0.9 s after the last ended,
# whichever worker), none of shop.payments while its key was planted
$PY - "$plant_ms" "$unplant_ms" "$D/w1.log" "$D/w2.log" <<'PY' || fail "B: passes"
import re, sys, collections
kv = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')
plant, unplant = int(sys.argv[1]), int(sys.argv[2])
passes = collections.defaultdict(list)
for path in sys.argv[3:]:
    for line in open(path):
        if 'msg="maintenance pass' not in line:
            continue
        f = {k: v.strip('"') for k, v in kv.findall(line)}
        passes[f["table"]].append((int(f["started_ms"]), int(f["ended_ms"]), f["worker"]))
assert set(passes) == {"shop.orders", "shop.clicks", "shop.payments"}, dict(passes)
for table, ps in sorted(passes.items()):
    ps.sort()
    for a, b in zip(ps, ps[1:]):
        assert a[1] <= b[0], ("overlap", table, a, b)
        assert b[0] - a[1] >= 850, ("two passes within an interval", table, a, b)
    span = (ps[-1][1] - ps[0][0]) / 1000.0
    assert len(ps) <= span / 0.9 + 1, (table, len(ps), span)
    if table == "shop.payments":
        during = [p for p in ps if plant < p[0] < unplant]
        assert not during, ("maintained while another held its key", during)
    by = collections.Counter(p[2] for p in ps)
    print(f"B: {table}: {len(ps)} passes in {span:.1f} s, by worker {dict(by)}, none overlapping")
PY
expected "$D"
for t in orders clicks payments; do check_table "$D" $t shop.$t || fail "B: table $t"; done
for t in orders clicks payments; do
  read -r url file < <(metadata_of "$D" shop.$t)
  n=$($PY -c 'import json, sys; print(len(json.load(open(sys.argv[1])).get("snapshots", [])))' "${url#file://}/metadata/$file")
  [ "$n" -le 4 ] || fail "B: shop.$t keeps $n snapshots"
done
echo "it_maint_run: ok"
