#!/usr/bin/env bash
# A partition waiting on an incomplete segment while later complete ones
# exist is reported as stalled (issue 14), on tests/data/gen_txn.py's group
# "stall" (topic orders, segments 0, 10, 20 of 10 records each):
#   orders/0 segment 10's .kfs is whole but its .index is missing
#   orders/1 segment 10's .kfs is cut before its END! footer (.index there)
#   orders/2 three complete segments (never stalled)
# With processor.stall_warning_seconds: 1, within ~6 s: a repeated warn
# line names the object, /status says stalled with a stall_reason naming
# it, kafscale_processor_partition_stalled is 1 and lag_offsets counts at
# least segment 20's 10 offsets. Then the missing objects arrive: every
# record exactly once, stalled false, gauge 0.
source "$(dirname "$0")/lib.sh"
D=$WORK/stall; mkdir -p "$D"
TC="$PY $ROOT/tests/processor/txn_check.py"
$PY "$ROOT/tests/data/gen_txn.py" "$D" stall > /dev/null
# orders/2: the stall_index segments, all complete (phase-2 form of segment 10)
mkdir -p "$D/segments/bucket/prod/orders/2"
for f in "$D"/segments/bucket/prod/orders/0/* "$D"/phase2/bucket/prod/orders/0/*; do
  cp "$f" "$D/segments/bucket/prod/orders/2/"
done
write_config "$D" "stall_warning_seconds: 1"
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export KAFSCALE_METRICS_ADDR=127.0.0.1:$PORT
URL=http://127.0.0.1:$PORT
bad=0
fail() { echo "FAIL: $*"; bad=$((bad + 1)); }
field() { $TC part "$D/status.json" orders "$1" | $PY -c 'import json,sys; p=json.load(sys.stdin); print(json.dumps(None if p is None else p.get(sys.argv[1], "MISSING")))' "$2"; }
G=kafscale_processor_partition_stalled

"$BIN" -config="$D/config.yaml" 2> "$D/run.log" & pid=$!
trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
# orders/2 committed to 29 and orders/0,1 to 9: the stall has begun
for i in $(seq 1 40); do
  if curl -sf "$URL/status" -o "$D/status.json" 2>/dev/null &&
     [ "$(field 2 committed_offset)" = 29 ] && [ "$(field 0 committed_offset)" = 9 ] &&
     [ "$(field 1 committed_offset)" = 9 ]; then break; fi
  sleep 0.25
done
[ "$i" -lt 40 ] || fail "segments before the gap not committed in 10 s: $(cat "$D/status.json" 2>/dev/null)"
sleep 5  # stall_warning_seconds is 1: warned, and warned again, by now
curl -sf "$URL/status" -o "$D/status.json" || fail "/status"
curl -sf "$URL/metrics" -o "$D/metrics.txt" || fail "/metrics"
for p in 0 1; do
  c=$([ $p = 0 ] && echo stall_index || echo stall_footer)
  obj=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["phases"][0]["stalled_on"])' "$D/expected-$c.json")
  beyond=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["phases"][0]["offsets_beyond_gap"])' "$D/expected-$c.json")
  n=$(grep 'level=warn' "$D/run.log" | grep -cF "${obj%.kfs}" || true)
  [ "$n" -ge 2 ] || fail "$c: $n warn line(s) name ${obj%.kfs} after ~5 s of stall, want >= 2 (repeated)"
  [ "$(field $p stalled)" = true ] || fail "$c: /status orders/$p stalled is $(field $p stalled), want true"
  reason=$(field $p stall_reason)
  echo "$reason" | grep -qF "${obj%.kfs}" || fail "$c: /status orders/$p stall_reason $reason does not name $obj"
  got=$($TC metric "$D/metrics.txt" $G topic=orders partition=$p)
  [ "$got" = 1 ] || fail "$c: $G{orders,$p} is $got, want 1"
  lag=$($TC metric "$D/metrics.txt" kafscale_processor_lag_offsets topic=orders partition=$p)
  $PY -c "import sys; sys.exit(0 if '$lag' != 'absent' and float('$lag') >= $beyond else 1)" ||
    fail "$c: lag_offsets{orders,$p} is $lag, want >= $beyond (segment 20 beyond the gap)"
done
[ "$(field 2 stalled)" = false ] || fail "complete orders/2: /status stalled is $(field 2 stalled), want false"
got=$($TC metric "$D/metrics.txt" $G topic=orders partition=2)
[ "$got" = 0 ] || fail "complete orders/2: $G is $got, want 0"
# nothing past the gap was written while stalled (orders/0,1: 0-9 only)
want_phase() { # PHASE: orders/0,1 as the cases say, orders/2 = stall_index's 30 records
  $TC want "$D" "$1" orders stall_index:read_committed stall_footer:read_committed > /dev/null
  sed 's/"partition": 0,/"partition": 2,/' "$D/records-stall_index.jsonl" >> "$D/expected-orders.jsonl"
}
want_phase 1
if ! check_table "$D" orders shop.orders > "$D/check1.out" 2>&1; then
  fail "while stalled, shop.orders is not orders/0,1 0-9 and orders/2 0-29:"; sed 's/^/    /' "$D/check1.out" | head -12
fi

echo "== the missing objects arrive"
cp -r "$D/phase2/bucket/prod" "$D/segments/bucket/"
for i in $(seq 1 40); do
  if curl -sf "$URL/status" -o "$D/status.json" 2>/dev/null &&
     [ "$(field 0 committed_offset)" = 29 ] && [ "$(field 1 committed_offset)" = 29 ]; then break; fi
  sleep 0.25
done
[ "$i" -lt 40 ] || fail "stalled partitions did not catch up in 10 s: $(cat "$D/status.json" 2>/dev/null)"
sleep 1.5
curl -sf "$URL/status" -o "$D/status.json" || fail "/status"
curl -sf "$URL/metrics" -o "$D/metrics.txt" || fail "/metrics"
for p in 0 1; do
  [ "$(field $p stalled)" = false ] || fail "orders/$p after catching up: stalled is $(field $p stalled), want false"
  got=$($TC metric "$D/metrics.txt" $G topic=orders partition=$p)
  [ "$got" = 0 ] || fail "orders/$p after catching up: $G is $got, want 0"
done
kill -TERM $pid
rc=0; wait $pid || rc=$?
[ $rc = 0 ] || fail "exit $rc after SIGTERM"
# every record of the three partitions exactly once (orders/2 = stall_index's data)
want_phase 2
if ! check_table "$D" orders shop.orders > "$D/check2.out" 2>&1; then
  fail "table shop.orders does not hold every record exactly once:"; sed 's/^/    /' "$D/check2.out" | head -12
fi
if [ $bad -gt 0 ]; then echo "it_stall: $bad check(s) failed"; exit 1; fi
echo "1 passed, 0 failed"
