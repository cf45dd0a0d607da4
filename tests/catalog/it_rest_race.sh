#!/usr/bin/env bash
# Two processor processes racing commits into the SAME table through the
# REST catalog: A maps topic orders and B maps topic clicks to shop.events,
# each with its own offsets. Rounds of segments arrive and both run at the
# same time, so their commits collide (409 on assert-ref-snapshot-id) and
# are rebuilt on the winner's snapshot. Both sets of records must be in
# the table exactly once (icebird + DuckDB), and the server must have seen
# conflicts.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/rest_lib.sh"
D=$WORK/race; mkdir -p "$D/a" "$D/b" "$D/segments/bucket/prod"
start_server "$D"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks --partitions 2 \
  --records-per-partition 800 --segment-bytes 2000 --batch-records 10 --seed 21 --quiet
for x in a b; do
  topic=orders; [ $x = b ] && topic=clicks
  MAPPINGS="  - {topic: $topic, table: shop.events, create_table_if_missing: true}" \
  OFFSETS_FILE=offsets-$x.json write_rest_config "$D" "$URL"
  sed -i "s/^processor:/processor:\n  worker_id: writer-$x/" "$D/config.yaml"
  mv "$D/config.yaml" "$D/$x.yaml"
done
ROUNDS=12
for r in $(seq 0 $((ROUNDS - 1))); do
  for p in "$D"/all/prod/*/*/; do
    rel=${p#$D/all/}; mkdir -p "$D/segments/bucket/$rel"
    n=$(ls "$p"*.kfs | wc -l); k=$(( (n * (r + 1) + ROUNDS - 1) / ROUNDS )); i=0
    for f in $(ls "$p"*.kfs | sort); do
      i=$((i + 1)); [ $i -le $k ] || break
      cp -n "${f%.kfs}.index" "$f" "$D/segments/bucket/$rel"
    done
  done
  "$BIN" --once -config="$D/a.yaml" 2>> "$D/a.log" & pa=$!
  "$BIN" --once -config="$D/b.yaml" 2>> "$D/b.log" & pb=$!
  wait $pa || echo "writer a round $r failed (re-read next round)"
  wait $pb || echo "writer b round $r failed (re-read next round)"
done
"$BIN" --once -config="$D/a.yaml" 2>> "$D/a.log"
"$BIN" --once -config="$D/b.yaml" 2>> "$D/b.log"
expected "$D"
cat "$D/expected-orders.jsonl" "$D/expected-clicks.jsonl" > "$D/expected-events.jsonl"
out=$(rest_check_table "$D" events shop.events)
echo "$out" | cut -c1-200
s=$(stats "$URL"); echo "server stats: $s"
$PY - "$s" "$out" <<'PY'
import json, sys
s, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert c["problems"] == 0 and c["rows"] == c["expected"], c
assert s["requirement_failed"] >= 1, "the writers never collided: %s" % s
print("race: commits %d, applied %d, conflicts %d, rows %d exactly once"
      % (s["commits"], s["commits_applied"], s["requirement_failed"], c["rows"]))
PY
echo "1 passed, 0 failed"
