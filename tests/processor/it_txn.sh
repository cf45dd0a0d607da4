#!/usr/bin/env bash
# Transactions as a read_committed Kafka consumer sees them (issue 14), on
# the data of tests/data/gen_txn.py (group "txn"):
#   orders/0-4  aborted / spanning / interleaved / epoch-bump / compressed
#               transactions, default isolation (read_committed)
#   clicks/0    the spanning case under mappings[].isolation_level:
#               read_uncommitted (every data record, no control record)
#   payments/0  two transactions open at the end of phase 1 (LSO 5);
#               phase 2 brings A's COMMIT and C's ABORT
# Phase 1 runs in run mode: /status shows open_transactions and
# stable_offset, /metrics the aborted records; tables are read back with
# icebird + DuckDB (tools/iceberg-check.mjs) and compared with the exact
# expected offsets; committed offsets stay below the LSO, also across a
# restart with nothing new. Phase 2 (run mode again) ends the transactions.
source "$(dirname "$0")/lib.sh"
D=$WORK/txn; mkdir -p "$D"
TC="$PY $ROOT/tests/processor/txn_check.py"
$PY "$ROOT/tests/data/gen_txn.py" "$D" txn > /dev/null
write_config "$D"
sed -i 's/{topic: clicks, table: shop.clicks, create_table_if_missing: true}/{topic: clicks, table: shop.clicks, create_table_if_missing: true, isolation_level: read_uncommitted}/' "$D/config.yaml"
grep -q 'isolation_level: read_uncommitted' "$D/config.yaml" || { echo "FAIL: config edit"; exit 1; }
ORDERS=(abort_in_segment abort_spanning interleaved epoch_bump compressed)
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export KAFSCALE_METRICS_ADDR=127.0.0.1:$PORT
URL=http://127.0.0.1:$PORT
bad=0
fail() { echo "FAIL: $*"; bad=$((bad + 1)); }
exp() { $PY -c 'import json,sys; e=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$D/expected-$1.json" "$2"; }
pfield() { $TC part "$D/status.json" "$1" "$2" | $PY -c 'import json,sys; p=json.load(sys.stdin); print(json.dumps(None if p is None else p.get(sys.argv[1], "MISSING")))' "$3"; }
metric() { $TC metric "$D/metrics.txt" "$@"; }

echo "== check-config on the config (unknown keys show here)"
"$BIN" check-config --config "$D/config.yaml" > "$D/cc.out" 2>&1 || fail "check-config rejects the config: $(cat "$D/cc.out")"
grep -i 'isolation_level' "$D/cc.out" | grep -qi unknown && fail "check-config: isolation_level is an unknown key: $(grep -i isolation "$D/cc.out")"

# run_until PHASE PYTHON-CONDITION-ON-STATUS: run mode until the condition
# holds (then 2 more commit intervals), scrape, SIGTERM.
run_until() {
  local log=$D/run$1.log cond=$2 i
  "$BIN" -config="$D/config.yaml" 2> "$log" & pid=$!
  for i in $(seq 1 60); do
    if curl -sf "$URL/status" -o "$D/status.json" 2>/dev/null &&
       $PY -c "import json,sys; s={(p['topic'],p['partition']):p for p in json.load(open(sys.argv[1]))['partitions']}; sys.exit(0 if ($cond) else 1)" "$D/status.json" 2>/dev/null
    then break; fi
    sleep 0.5
  done
  [ "$i" -lt 60 ] || fail "phase $1: not settled in 30 s: $(cat "$D/status.json" 2>/dev/null)"
  sleep 2.5
  curl -sf "$URL/status" -o "$D/status.json" || fail "phase $1: /status"
  curl -sf "$URL/metrics" -o "$D/metrics.txt" || fail "phase $1: /metrics"
  kill -TERM $pid
  local rc=0; wait $pid || rc=$?
  [ $rc = 0 ] || fail "phase $1: exit $rc after SIGTERM: $(tail -5 "$log")"
  if grep -i 'unknown key' "$log" | grep -qi isolation_level; then
    fail "phase $1: isolation_level is an unknown key: $(grep -i 'unknown key' "$log" | head -2)"
  fi
}

check_tables() { # PHASE
  $TC want "$D" "$1" orders $(for c in "${ORDERS[@]}"; do echo "$c:read_committed"; done) > /dev/null
  $TC want "$D" "$1" clicks uncommitted:read_uncommitted > /dev/null
  $TC want "$D" "$1" payments open_txn:read_committed > /dev/null
  for t in orders clicks payments; do
    if ! check_table "$D" $t shop.$t > "$D/check-$t.out" 2>&1; then
      fail "phase $1: table shop.$t does not hold exactly the expected offsets:"; sed 's/^/    /' "$D/check-$t.out" | head -12
    fi
  done
}

# ----------------------------------------------------------------- phase 1
echo "== phase 1: run mode, payments/0 has open transactions"
last() { exp "$1" 'e["phases"][-1]["last_offset"]'; }
cond="all(s.get(('orders',i),{}).get('committed_offset')==L for i,L in [$(for i in "${!ORDERS[@]}"; do echo -n "($i,$(last "${ORDERS[$i]}")),"; done)]) and s.get(('clicks',0),{}).get('committed_offset')==$(last uncommitted) and ('payments',0) in s and (s[('payments',0)].get('stable_offset') is not None or s[('payments',0)]['committed_offset']>=4)"
run_until 1 "$cond"
# /status of payments/0: both open transactions, LSO 5, committed below it
want_open=$(exp open_txn 'json.dumps(sorted((t["producer_id"],t["producer_epoch"],t["first_offset"]) for t in e["phases"][0]["open_transactions"]))')
got_open=$($TC part "$D/status.json" payments 0 | $PY -c '
import json, sys
p = json.load(sys.stdin)
ot = (p or {}).get("open_transactions")
print("MISSING" if ot is None else json.dumps(sorted((t["producer_id"], t["producer_epoch"], t["first_offset"]) for t in ot)))')
[ "$got_open" = "$want_open" ] || fail "status payments/0 open_transactions: got $got_open, want $want_open"
lso=$(exp open_txn 'e["phases"][0]["stable_offset"]')
[ "$(pfield payments 0 stable_offset)" = "$lso" ] || fail "status payments/0 stable_offset: got $(pfield payments 0 stable_offset), want $lso"
co=$(pfield payments 0 committed_offset)
[ "$co" != null ] && [ "$co" -lt "$lso" ] || fail "status payments/0 committed_offset $co is not below the LSO $lso"
[ "$(pfield orders 0 stable_offset)" = null ] || fail "status orders/0 stable_offset: got $(pfield orders 0 stable_offset), want null (nothing open)"
[ "$(pfield orders 0 open_transactions)" = "[]" ] || fail "status orders/0 open_transactions: got $(pfield orders 0 open_transactions), want []"
# metrics: aborted records per topic, written records per topic
sum() { $PY -c 'import sys; print(sum(int(x) for x in sys.stdin.read().split()))'; }
ab_orders=$(for c in "${ORDERS[@]}"; do exp "$c" 'e["phases"][-1]["aborted_records"]'; done | sum)
wr_orders=$(for c in "${ORDERS[@]}"; do exp "$c" 'len(e["phases"][-1]["read_committed"])'; done | sum)
P=kafscale_processor_records_total
got=$(metric $P topic=orders result=aborted)
[ "$got" = "$ab_orders" ] || fail "records_total{topic=orders,result=aborted}: got $got, want $ab_orders"
got=$(metric $P topic=orders result=written)
[ "$got" = "$wr_orders" ] || fail "records_total{topic=orders,result=written}: got $got, want $wr_orders"
got=$(metric $P topic=clicks result=aborted)
[ "$got" = absent ] || [ "$got" = 0 ] || fail "records_total{topic=clicks,result=aborted} under read_uncommitted: got $got, want 0"
got=$(metric $P topic=clicks result=written); want=$(exp uncommitted 'len(e["phases"][0]["read_uncommitted"])')
[ "$got" = "$want" ] || fail "records_total{topic=clicks,result=written} (read_uncommitted): got $got, want $want"
got=$(metric $P topic=payments result=written); want=$(exp open_txn 'len(e["phases"][0]["read_committed"])')
[ "$got" = "$want" ] || fail "records_total{topic=payments,result=written} (phase 1): got $got, want $want"
check_tables 1

# committed offsets stay below the LSO: local cache (last written offset)
# and the table summary (next offset to read); again after a restart
check_committed() { # WHEN
  local c s
  c=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get("payments/0",{}).get("offset","none"))' "$D/state/offsets.json" 2>/dev/null || echo none)
  [ "$c" != none ] && [ "$c" -lt "$lso" ] || fail "$1: offsets.json payments/0 offset $c, want < LSO $lso"
  s=$($PY -c 'import json,sys; print(json.loads(json.loads(open(sys.argv[1]).read().splitlines()[-1])["summary"]["kafscale.offsets"]).get("payments/0","none"))' "$D/check-payments.out" 2>/dev/null || echo none)
  [ "$s" != none ] && [ "$s" -le "$lso" ] || fail "$1: table summary kafscale.offsets payments/0 = $s, want <= LSO $lso"
}
check_committed "phase 1"
echo "== restart with nothing new (--once)"
"$BIN" --once -config="$D/config.yaml" 2> "$D/once.log" || fail "--once restart exit $?: $(tail -3 "$D/once.log")"
check_tables 1
check_committed "after restart"

# ----------------------------------------------------------------- phase 2
echo "== phase 2: the markers arrive"
cp -r "$D/phase2/bucket/prod" "$D/segments/bucket/"
run_until 2 "s.get(('payments',0),{}).get('committed_offset')==$(exp open_txn 'e["phases"][1]["last_offset"]')"
[ "$(pfield payments 0 stable_offset)" = null ] || fail "phase 2: status payments/0 stable_offset $(pfield payments 0 stable_offset), want null"
[ "$(pfield payments 0 open_transactions)" = "[]" ] || fail "phase 2: status payments/0 open_transactions $(pfield payments 0 open_transactions), want []"
got=$(metric $P topic=payments result=aborted); want=$(exp open_txn 'e["phases"][1]["aborted_records"]')
[ "$got" = "$want" ] || fail "phase 2: records_total{topic=payments,result=aborted}: got $got, want $want"
check_tables 2

if [ $bad -gt 0 ]; then echo "it_txn: $bad check(s) failed"; exit 1; fi
echo "1 passed, 0 failed"
