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
killed=0 runs=0
# until KILLS runs were really ended by SIGKILL (status 137): a run that
# finished before its kill must have exited 0
while [ $killed -lt "$KILLS" ]; do
  runs=$((runs + 1))
  [ $runs -le $((KILLS * 3)) ] || { echo "FAIL: only $killed of $runs runs were killed"; exit 1; }
  if [ $((runs % 3)) = 0 ]; then
    "$BIN" --once -config="$D/config.yaml" 2>>"$D/log" & pid=$!
  else
    "$BIN" -config="$D/config.yaml" 2>>"$D/log" & pid=$!
  fi
  # 0..1.5 s: before, during and after the first commits of each run
  sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
  [ $((RANDOM % 2)) = 0 ] && sleep 0.5
  kill -9 $pid 2>/dev/null || true
  st=0; wait $pid 2>/dev/null || st=$?
  if [ $st = 137 ]; then
    killed=$((killed + 1))
  elif [ $st != 0 ]; then
    echo "FAIL: run $runs ended by itself with status $st"; tail -20 "$D/log"; exit 1
  fi
done
echo "killed $killed of $runs runs"
echo "1 passed, 0 failed"
