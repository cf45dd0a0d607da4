#!/usr/bin/env bash
# Crash safety: the processor is killed with SIGKILL at random moments
# (while writing Parquet, between data files and the commit, during the
# catalog swap) many times over one dataset, then a final --once run
# finishes. Every record must be in its table exactly once, every offset in
# the snapshot summaries must match the data, and every file the table
# references must exist.
source "$(dirname "$0")/lib.sh"
KILLS=${ICP_CRASH_KILLS:-50}
D=$WORK/crash; mkdir -p "$D"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks,payments --partitions 2 \
  --records-per-partition 20000 --segment-bytes 200000 --codec mixed --value-bytes 200 \
  --seed 5 --quiet
mkdir -p "$D/segments/bucket"; cp -r "$D/all/prod" "$D/segments/bucket/"
write_config "$D" "target_file_size_bytes: 1048576"
RANDOM=42
killed=0
for i in $(seq 1 "$KILLS"); do
  if [ $((i % 3)) = 0 ]; then
    "$BIN" --once -config="$D/config.yaml" 2>>"$D/log" & pid=$!
  else
    "$BIN" -config="$D/config.yaml" 2>>"$D/log" & pid=$!
  fi
  # 0..1.5 s: before, during and after the first commits of each run
  sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
  [ $((RANDOM % 2)) = 0 ] && sleep 0.5
  if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi
  wait $pid 2>/dev/null || true
done
"$BIN" --once -config="$D/config.yaml"
expected "$D"
for t in orders clicks payments; do check_table "$D" $t shop.$t; done
# offsets in the summary == last offset in the table + 1, per partition
for t in orders clicks payments; do
  read -r url file < <(metadata_of "$D" shop.$t)
  $PY - "$url" "$file" "$D/expected-$t.jsonl" <<'PY'
import json, sys, os
url, name, exp = sys.argv[1:]
meta = json.load(open(url[len("file://"):] + "/metadata/" + name))
cur = [s for s in meta["snapshots"] if s["snapshot-id"] == meta["current-snapshot-id"]][0]
offs = json.loads(cur["summary"]["kafscale.offsets"])
last = {}
for line in open(exp):
    r = json.loads(line)
    k = "%s/%d" % (r["topic"], r["partition"])
    last[k] = max(last.get(k, -1), r["offset"])
for k, v in last.items():
    assert offs.get(k, 0) >= v + 1, (k, offs.get(k), v)
# every referenced manifest list exists
for s in meta["snapshots"]:
    assert os.path.exists(s["manifest-list"][len("file://"):]), s["manifest-list"]
print(os.path.basename(url), "offsets ok:", offs)
PY
done
echo "killed $killed of $KILLS runs"
echo "1 passed, 0 failed"
