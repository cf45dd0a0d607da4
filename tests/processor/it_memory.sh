#!/usr/bin/env bash
# One memory budget (processor.memory_limit_bytes, docs/internals/memory.md)
# over many partitions, with transactions under read_committed:
#   phase 1: run mode, 48 MiB, 3 tables x 40 partitions. Exactly-once
#            output (icebird reads every table == what a read_committed
#            consumer sees); /metrics: the budget gauge is the limit, the
#            peak of what was taken never passed it and is above the fixed
#            shares (transaction queues were charged while running).
#   phase 2: --once at the 32 MiB minimum: the fixed shares leave nothing
#            for transaction queues, so every transaction is re-read
#            instead of buffered (the budget's refusal is logged), and the
#            output is still exactly the expected one.
source "$(dirname "$0")/lib.sh"
fail() { echo "FAIL: $*"; [ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null; exit 1; }
D=$WORK/mem; mkdir -p "$D"
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics orders,clicks,payments \
  --partitions 40 --records-per-partition 600 --segment-bytes 24K --codec mixed \
  --value-bytes 120 --control-every 3 --close-transactions --seed 15 --quiet
NPARTS=120
expected "$D"
LIMIT=$((48 << 20))
write_config "$D" "memory_limit_bytes: $LIMIT"

echo "== phase 1: run mode, $LIMIT bytes, $NPARTS partitions"
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export KAFSCALE_METRICS_ADDR=127.0.0.1:$PORT
URL=http://127.0.0.1:$PORT
"$BIN" -config="$D/config.yaml" 2> "$D/run.log" & pid=$!
for i in $(seq 1 240); do
  if curl -sf "$URL/status" -o "$D/status.json" 2>/dev/null &&
     $PY - "$D/status.json" "$NPARTS" <<'PY'
import json, sys
parts = json.load(open(sys.argv[1])).get("partitions", [])
ok = len(parts) == int(sys.argv[2]) and all(
    p["lag_offsets"] == 0 and p["committed_offset"] > 0 for p in parts)
sys.exit(0 if ok else 1)
PY
  then break; fi
  sleep 0.5
done
[ "$i" -lt 240 ] || fail "phase 1: not caught up in 120 s: $(tail -5 "$D/run.log")"
sleep 1.5 # one more publish of the gauges
curl -sf "$URL/metrics" -o "$D/metrics.txt" || fail "phase 1: /metrics"
kill -TERM $pid; rc=0; wait $pid || rc=$?; pid=
[ $rc = 0 ] || fail "phase 1: exit $rc after SIGTERM: $(tail -5 "$D/run.log")"
for t in orders clicks payments; do
  check_table "$D" $t shop.$t > "$D/check-$t.out" 2>&1 ||
    fail "phase 1: shop.$t is not exactly the expected records: $(head -12 "$D/check-$t.out")"
done
# fixed shares: 3 tables x 2 x min(128 MiB, limit / 4 / 3) (file:// warehouse: no upload parts)
$PY - "$D/metrics.txt" "$LIMIT" $((3 * 2 * (LIMIT / 4 / 3))) <<'PY' || fail "phase 1: memory metrics"
import re, sys
vals = {}
for line in open(sys.argv[1]):
    m = re.match(r'(kafscale_processor_memory_\w+) (\S+)$', line.strip())
    if m:
        vals[m.group(1)] = float(m.group(2))
limit, reserved = int(sys.argv[2]), int(sys.argv[3])
budget = vals.get("kafscale_processor_memory_budget_bytes")
used = vals.get("kafscale_processor_memory_used_bytes")
peak = vals.get("kafscale_processor_memory_used_peak_bytes")
print(f"budget {budget} used {used} peak {peak} (fixed shares {reserved})")
assert budget == limit, "budget gauge is not the limit"
assert used is not None and reserved <= used <= limit, "used outside [fixed shares, limit]"
assert peak is not None and peak <= limit, "peak passed the limit"
assert peak > reserved, "nothing dynamic was ever charged (transaction queues)"
PY

echo "== phase 2: --once at the 32 MiB minimum"
E=$WORK/mem2; mkdir -p "$E"
mv "$D/segments" "$E/segments"
cp "$D"/expected-*.jsonl "$E/"
write_config "$E" "memory_limit_bytes: $((32 << 20))"
sed -i 's/^  level: warn$/  level: info/' "$E/config.yaml"
"$BIN" --once -config="$E/config.yaml" 2> "$E/once.log" || fail "phase 2: --once failed: $(tail -5 "$E/once.log")"
grep -q 'refused by the memory budget' "$E/once.log" ||
  fail "phase 2: no transaction buffer was refused by the budget"
for t in orders clicks payments; do
  check_table "$E" $t shop.$t > "$E/check-$t.out" 2>&1 ||
    fail "phase 2: shop.$t is not exactly the expected records: $(head -12 "$E/check-$t.out")"
done
echo "memory budget held; output exactly once"
