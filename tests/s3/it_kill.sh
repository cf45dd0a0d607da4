#!/usr/bin/env bash
# Crash safety of the whole S3 pipeline under kill -9: segments larger than
# the 8 MiB read-ahead chunk (processor.fetch_concurrency 4: ranged GETs in
# flight ahead of the decoder), Parquet pages encoded on 4 threads
# (processor.threads 4), data files of 4 parts of 8 MiB uploaded 4 at a
# time (s3 and iceberg.s3 upload_concurrency 4). The segments and the
# warehouse sit behind tests/s3/faultproxy.py (signatures checked,
# requests counted; the warehouse's requests logged and paced at 16 MiB/s
# per connection, so a data file's parts are in flight together for about
# half a second).
#   Runs, about one in three --once, the others run mode, each killed
#   with SIGKILL after a seeded random delay, until ICP_KILL_KILLS
#   (default 50) were killed; a round ends when its table holds every
#   record, and the next run starts a new table (see below); then one
#   --once run per round finishes. Asserted:
#   1. every record is in every round's table exactly once (icebird +
#      DuckDB read the downloaded warehouse);
#   2. the current snapshots' kafscale.offsets are, per partition, the last
#      offset + 1; every snapshot's manifest list exists (every data file
#      the table references too, or the read in 1 fails);
#   3. the kills meant something: segments over 8 MiB were read with
#      ranged GETs, data files went up as multipart uploads with parts of
#      one upload in flight together, killed runs committed part of the
#      data, at least 5 kills landed while a multipart upload of their run
#      was open (each kill is placed by its run's warehouse requests:
#      upload open / in or after a commit / after a data file / before
#      any), and most kills found records not yet committed;
#   4. the last runs, unkilled, leave no multipart upload open; a run that
#      ended before its kill exited 0; no run's log holds a sanitizer
#      report.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/lib.sh"
KILLS=${ICP_KILL_KILLS:-50}
D=$WORK/kill; mkdir -p "$D"
PIDS=()
fail() { echo "FAIL: $*"; tail -30 "$D/log"; exit 1; }

s3_start segments wh
SEG_PROXY=
trap 'for x in "${PIDS[@]}" $SEG_PROXY; do kill -9 $x 2>/dev/null || true; done; s3_stop; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT
# 2 partitions x N records of 4 KB of random base64 (64 MB), in segments
# of 14 MiB (two read-ahead chunks each): zstd cannot shrink the records,
# so a data file rolled at 32 MiB is 4 parts of 8 MiB. A run-mode
# processor reads the first 32 MiB and starts uploading them within about
# a second, commits them after about two. Once a round's table holds
# everything, the next run starts a new round: a new table (own catalog,
# warehouse prefix and offsets) over the same segments, so kills keep
# finding work.
N=${ICP_KILL_RECORDS:-8000}
$PY - "$D/values.jsonl" "$N" <<'PY'
import base64, json, random, sys
rng = random.Random(21)
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"i": i, "blob": base64.b64encode(rng.randbytes(3000)).decode()}) + "\n")
PY
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics orders --partitions 2 \
  --records-per-partition "$N" --segment-bytes 14M --codec none \
  --value-json "$D/values.jsonl" --seed 9 --quiet
big=$(find "$D/segments" -name '*.kfs' -size +8M | wc -l)
[ "$big" -ge 4 ] || fail "only $big segments over 8 MiB"
$PY "$ROOT/tests/s3/s3sync.py" up "$D/segments/bucket" "$S3_ENDPOINT" segments > /dev/null
: > "$D/expected-clicks.jsonl"; : > "$D/expected-payments.jsonl"
expected "$D"

# The warehouse's proxy: 20 ms per request, 16 MiB/s per connection each
# way: an 8 MiB part takes half a second, a 32 MiB file's parts are in
# flight together for that long.
BW=${ICP_KILL_BANDWIDTH:-16777216}
s3_proxy_start 0 1 --latency-ms 20 --bandwidth "$BW" --log "$D/proxy.jsonl"
# The segments' own proxy, unpaced, logging the read-ahead's ranged GETs.
port=$(s3_free_port)
$PY "$ROOT/tests/s3/faultproxy.py" --listen "$port" --upstream "$S3_ENDPOINT" \
  --secret "$AWS_SECRET_ACCESS_KEY" --counts "$D/seg-counts.json" --log "$D/seg-proxy.jsonl" > "$D/seg-proxy.log" 2>&1 &
SEG_PROXY=$!
s3_wait_port "$port" || fail "the segments' proxy did not listen"
config() { # ROUND -> $D/config-ROUND.yaml
  cat > "$D/config-$1.yaml" <<YAML
s3: {endpoint: "http://127.0.0.1:$port", bucket: segments, namespace: prod, region: us-east-1, path_style: true, upload_concurrency: 4}
iceberg:
  catalog: {type: sql, uri: "sqlite://$D/catalog-$1.db"}
  warehouse: s3://wh/round$1
  s3: {endpoint: "$S3_PROXY_ENDPOINT", path_style: true, upload_concurrency: 4}
offsets: {backend: local, local_path: "$D/offsets-$1.json"}
processor:
  poll_interval_seconds: 1
  commit_interval_seconds: 1
  threads: 4
  fetch_concurrency: 4
  target_file_size_bytes: 33554432
log: {level: warn}
mappings:
  - {topic: orders, table: shop.orders, create_table_if_missing: true}
YAML
}
open_uploads() { $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["open_uploads"]))' "$S3_PROXY_COUNTS" 2>/dev/null || echo 0; }

# records committed in ROUND so far (its local offsets file, written
# after commits)
committed() {
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(v["offset"] + 1 for v in d.values()))' \
    "$D/offsets-$1.json" 2>/dev/null || echo 0
}
RANDOM=15
killed=0 max_threads=0 in_work=0 round=1
config 1
: > "$D/kills"
t0=$(date +%s)
i=0
while [ "$killed" -lt "$KILLS" ]; do
  i=$((i + 1))
  [ "$i" -le $((2 * KILLS)) ] || fail "only $killed of $i runs lived until their kill"
  # Most runs die within 1.8 s (starting, reading, encoding, uploading
  # the first data file's parts), one in five at 1.8..2.4 s (completing
  # it, committing), the 10th of every 20 at 3..4 s in run mode (a file
  # or two committed: --once would read the whole backlog and commit it).
  mode=run
  if [ $((i % 20)) = 10 ]; then
    delay=3.$((RANDOM % 10))
  else
    [ $((i % 3)) = 0 ] && mode=once
    if [ $((RANDOM % 5)) = 0 ]; then
      ds=$((18 + RANDOM % 6)) # tenths of a second
      delay=$((ds / 10)).$((ds % 10))$((RANDOM % 10))
    else
      delay=$((RANDOM % 2)).$((RANDOM % 10))$((RANDOM % 10))
      [ "${delay%%.*}" = 1 ] && delay=1.$((RANDOM % 8))$((RANDOM % 10))
    fi
  fi
  if [ "$(committed $round)" -ge $((2 * N)) ]; then
    round=$((round + 1)); config $round
  fi
  start=$(date +%s.%N)
  if [ $mode = once ]; then
    "$BIN" --once -config="$D/config-$round.yaml" 2>>"$D/log" & pid=$!
  else
    "$BIN" -config="$D/config-$round.yaml" 2>>"$D/log" & pid=$!
  fi
  PIDS=($pid)
  sleep "$delay"
  [ "$(committed $round)" -lt $((2 * N)) ] && in_work=$((in_work + 1))
  # (reported: the pool's workers, read-ahead and upload threads)
  n=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  [ "$n" -gt "$max_threads" ] && max_threads=$n
  at=$(date +%s.%N)
  kill -9 $pid 2>/dev/null || true
  rc=0; wait $pid 2>/dev/null || rc=$?
  # 137: the SIGKILL ended it; a run that ended first must have succeeded
  if [ $rc = 137 ]; then
    killed=$((killed + 1))
    echo "$start $at" >> "$D/kills"
  elif [ $rc != 0 ]; then
    fail "run $i ($mode) exited $rc before its kill"
  fi
done
t1=$(date +%s)
committed_by_kill_runs=0
for r in $(seq 1 $round); do committed_by_kill_runs=$((committed_by_kill_runs + $(committed $r))); done
sleep 0.5 # the proxy finishes requests the killed runs left behind
open_before=$(open_uploads)
for r in $(seq 1 $round); do
  "$BIN" --once -config="$D/config-$r.yaml" 2>>"$D/log" || fail "final --once of round $r: exit $?"
done
[ "$(open_uploads)" = "$open_before" ] || fail "the final runs left multipart uploads open"
# a sanitizer's report from any run (a killed run's is in the log too)
! grep -E "Sanitizer|runtime error:" "$D/log" || fail "sanitizer report in the runs' log"

dl=$D/dl
$PY "$ROOT/tests/s3/s3sync.py" down "$S3_ENDPOINT" wh "$dl/wh" > /dev/null
snaps=0 files_ref=0 files_all=0
for r in $(seq 1 $round); do
  read -r url file < <($PY - "$D/catalog-$r.db" <<'PY'
import sqlite3, sys, os
loc = sqlite3.connect(sys.argv[1]).execute("SELECT metadata_location FROM iceberg_tables").fetchone()[0]
print(os.path.dirname(os.path.dirname(loc)), os.path.basename(loc))
PY
)
  # 1. the table, exactly once
  ICEBERG_CHECK_S3_ROOT=$dl node "$ROOT/tools/iceberg-check.mjs" "$url" "$file" "$D/expected-orders.jsonl" \
    > "$D/check-$r" || { cat "$D/check-$r"; fail "round $r: table differs"; }
  # 2. offsets in the summary, manifest lists; prints snapshots, data
  #    files referenced, data files lying in the round's warehouse
  read -r s f a < <($PY - "$dl" "$url" "$file" "$D/expected-orders.jsonl" <<'PY'
import json, os, sys
root, url, name, exp = sys.argv[1:]
local = lambda u: os.path.join(root, u[len("s3://"):])
meta = json.load(open(os.path.join(local(url), "metadata", name)))
cur = [s for s in meta["snapshots"] if s["snapshot-id"] == meta["current-snapshot-id"]][0]
offs = json.loads(cur["summary"]["kafscale.offsets"])
last = {}
for line in open(exp):
    r = json.loads(line)
    k = "%s/%d" % (r["topic"], r["partition"])
    last[k] = max(last.get(k, -1), r["offset"])
assert last and len(offs) == len(last), (offs, last)
for k, v in last.items():
    assert offs.get(k) == v + 1, ("summary offset", k, offs.get(k), v)
for s in meta["snapshots"]:
    assert os.path.exists(local(s["manifest-list"])), s["manifest-list"]
data = os.path.join(local(url), "data")
n_all = sum(len(fs) for _, _, fs in os.walk(data))
print(len(meta["snapshots"]), cur["summary"].get("total-data-files", 0), n_all)
PY
) || fail "round $r: snapshot summary or manifest lists wrong"
  snaps=$((snaps + s)) files_ref=$((files_ref + f)) files_all=$((files_all + a))
done

# 3. what the runs did, from the proxy's counts and log: each kill is
#    placed by the warehouse requests of its run (start .. kill time):
#    "upload" = a multipart upload of the run was open (created, not yet
#    completed) at the kill; "commit" = the run had begun writing
#    manifests; "file" = a data file was uploaded, the commit not begun;
#    "read" = before any data file (starting, reading, encoding).
find "$D/segments/bucket" -name '*.kfs' -size +8M -printf '%P\n' > "$D/big"
read -r seg_range seg_whole ups maxp inflight k_upload k_commit k_file k_read < <(
  $PY - "$D/seg-proxy.jsonl" "$D/proxy.jsonl" "$D/kills" "$D/big" <<'PY'
import collections, json, sys
big = set(open(sys.argv[4]).read().split())
seg = [json.loads(l) for l in open(sys.argv[1])]
# over 8 MiB: 8 MiB chunks and the rest, never a whole GET
chunks = sum(1 for r in seg if r["kind"] == "GET range" and r["key"] in big and r["out"] > 65536)
whole = sum(1 for r in seg if r["kind"] == "GET object" and r["key"] in big)
recs = [json.loads(l) for l in open(sys.argv[2])]
by = collections.defaultdict(list)
for r in recs:
    if r["kind"] == "PUT part" and r["status"] == 200:
        # [start, end - 50 ms]: a reply and the next request on one
        # connection may cross by a hair
        by[r["upload"]].append((r["start"], max(r["start"], r["end"] - 0.05), r["part"]))
best = 0
for iv in by.values():
    cur = 0
    for _, d in sorted([(s, 1) for s, _, _ in iv] + [(e, -1) for _, e, _ in iv]):
        cur += d
        best = max(best, cur)
# uploads: created at, completed at (inf: never)
ups = {}
for r in recs:
    if r["kind"] == "POST create" and r["upload"] is None and r["status"] == 200:
        ups.setdefault(r["key"], []).append([r["start"], float("inf")])
for r in recs:
    if r["kind"] == "POST complete" and r["status"] == 200:
        for u in ups.get(r["key"], []):
            if u[0] <= r["start"]:
                u[1] = min(u[1], r["end"])
kinds = collections.Counter()
for line in open(sys.argv[3]):
    t0, t1 = map(float, line.split())
    mine = [r for r in recs if t0 <= r["start"] <= t1]
    if any(t0 <= c <= t1 < e for us in ups.values() for c, e in us):
        kinds["upload"] += 1
    elif any(r["key"].endswith(".avro") for r in mine):
        kinds["commit"] += 1
    elif any(r["key"].endswith(".parquet") for r in mine):
        kinds["file"] += 1
    else:
        kinds["read"] += 1
print(chunks, whole, len(by),
      max((len({p for _, _, p in iv}) for iv in by.values()), default=0), best,
      kinds["upload"], kinds["commit"], kinds["file"], kinds["read"])
PY
)
echo "$i runs in $((t1 - t0)) s, $killed killed by SIGKILL, $in_work of them with records uncommitted"
echo "kills: $k_upload while a multipart upload was open, $k_commit in or after a commit, $k_file after a data file before the commit, $k_read before any data file"
echo "$round rounds (tables) of $((2 * N)) records; records committed by the killed runs: $committed_by_kill_runs; snapshots: $snaps"
echo "data files: $files_ref in the tables, $files_all in the warehouse (the rest written by killed runs)"
echo "segments over 8 MiB: $big, read in $seg_range ranged GETs of chunks, $seg_whole whole GETs"
echo "multipart: $ups uploads had parts succeed, up to $maxp parts, up to $inflight in flight at once"
echo "threads of one process at its kill: up to $max_threads"
[ "$seg_range" -ge $((2 * big)) ] && [ "$seg_whole" = 0 ] || fail "big segments were not read ahead in 8 MiB ranges"
[ "$maxp" -ge 3 ] || fail "data files had at most $maxp parts"
[ "$inflight" -ge 2 ] || fail "parts of one upload were never in flight together"
[ "$committed_by_kill_runs" -gt 0 ] || fail "no killed run ever committed: the kills were too early to mean much"
[ "$k_upload" -ge 5 ] || fail "only $k_upload kills landed while a multipart upload was open"
[ $((2 * in_work)) -ge "$killed" ] || fail "most kills found nothing left to do"
echo "every record exactly once after $killed kills"
echo "1 passed, 0 failed"
