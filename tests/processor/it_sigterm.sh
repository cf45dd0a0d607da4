#!/usr/bin/env bash
# Run mode: with a long commit interval nothing is committed while it runs;
# SIGTERM makes it commit what is buffered and exit 0, with every record
# exactly once. New segments arriving while it runs are picked up by the
# next poll.
source "$(dirname "$0")/lib.sh"
D=$WORK/term; mkdir -p "$D"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks,payments --partitions 2 \
  --records-per-partition 3000 --segment-bytes 50000 --codec lz4 --value-bytes 120 --seed 8 --quiet
mkdir -p "$D/segments/bucket/prod"
for t in orders clicks payments; do
  for p in 0 1; do
    mkdir -p "$D/segments/bucket/prod/$t/$p"
    # first half now, the rest while it runs
    ls "$D/all/prod/$t/$p"/*.kfs | sort | head -3 | while read -r f; do
      cp "$f" "${f%.kfs}.index" "$D/segments/bucket/prod/$t/$p/"; done
  done
done
write_config "$D"
sed -i 's/commit_interval_seconds: 1/commit_interval_seconds: 3600/' "$D/config.yaml"
"$BIN" -config="$D/config.yaml" 2> "$D/log" & pid=$!
sleep 2
[ ! -e "$D/state/offsets.json" ] || { echo "committed before the interval"; exit 1; }
cp -r "$D/all/prod" "$D/segments/bucket/"
sleep 2.5
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
[ $rc = 0 ] || { echo "exit $rc after SIGTERM"; cat "$D/log"; exit 1; }
expected "$D"
for t in orders clicks payments; do check_table "$D" $t shop.$t; done
echo "1 passed, 0 failed"
