#!/usr/bin/env bash
# Untrusted segment metadata (issue 14), on tests/data/gen_txn.py's group
# "mismatch" (all on topic orders, 30 records per partition, batch and body
# CRCs correct):
#   orders/0 footer last offset 9 below the middle segment's base 10
#   orders/1 footer last offset 26 above the real 19
#   orders/2 header base offset 13, name and batches say 10
#   orders/3 header message count 25, batches hold 10
#   orders/4 bad .index magic, segment read from its start (no index needed)
#   orders/5-8 resumed inside a segment (phase 1 commits 0-14 from a first,
#            shorter upload of segment 10; phase 2's whole segment 10 has a
#            .index with bad magic / positions 7 bytes into batches /
#            entries naming the wrong batch / 0 bytes)
# Only the CRC-checked batches and segment names decide what is read: every
# record is in the table exactly once, a warn line names each object whose
# metadata disagrees (with both values for footer/header), and
# kafscale_processor_segment_mismatch_total counts each kind.
source "$(dirname "$0")/lib.sh"
D=$WORK/mismatch; mkdir -p "$D"
TC="$PY $ROOT/tests/processor/txn_check.py"
$PY "$ROOT/tests/data/gen_txn.py" "$D" mismatch > /dev/null
write_config "$D"
CASES=(footer_below_base footer_above_last header_base header_count index_full_read
       resume_index_magic resume_index_position resume_index_offsets resume_index_empty)
bad=0
fail() { echo "FAIL: $*"; bad=$((bad + 1)); }
seg10() { printf 'orders/%d/segment-%020d' "$1" 10; }

echo "== phase 1 (--once): segments 0 and the first form of segment 10 of orders/5-8"
rm -rf "$D/hold"; mkdir -p "$D/hold"
for p in 0 1 2 3 4; do mv "$D/segments/bucket/prod/orders/$p" "$D/hold/"; done
"$BIN" --once -config="$D/config.yaml" 2> "$D/run1.log" || fail "phase 1 exit $?: $(tail -3 "$D/run1.log")"
mv "$D"/hold/* "$D/segments/bucket/prod/orders/"
$TC want "$D" 1 orders $(for c in "${CASES[@]:5}"; do echo "$c:read_committed"; done) > /dev/null
check_table "$D" orders shop.orders > "$D/check1.out" 2>&1 || {
  echo "FAIL (setup): phase 1 did not commit 0-14 of orders/5-8:"; head -5 "$D/check1.out"; exit 1; }

echo "== phase 2 (run mode): the whole segments 10 arrive, orders/0-4 too"
cp -r "$D/phase2/bucket/prod" "$D/segments/bucket/"
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export KAFSCALE_METRICS_ADDR=127.0.0.1:$PORT
URL=http://127.0.0.1:$PORT
"$BIN" -config="$D/config.yaml" 2> "$D/run2.log" & pid=$!
for i in $(seq 1 40); do
  if curl -sf "$URL/status" -o "$D/status.json" 2>/dev/null && $PY -c '
import json, sys
ps = [p for p in json.load(open(sys.argv[1]))["partitions"] if p["topic"] == "orders"]
sys.exit(0 if len(ps) == 9 and all(p["committed_offset"] == 29 or p["stopped"] for p in ps) else 1)' "$D/status.json"
  then break; fi
  sleep 0.5
done
[ "$i" -lt 40 ] || fail "partitions not settled in 20 s: $(cat "$D/status.json" 2>/dev/null)"
sleep 2.5
curl -sf "$URL/status" -o "$D/status.json" || fail "/status"
curl -sf "$URL/metrics" -o "$D/metrics.txt" || fail "/metrics"
kill -TERM $pid
rc=0; wait $pid || rc=$?
[ $rc = 0 ] || fail "exit $rc after SIGTERM (a partition stopped?)"

for p in $(seq 0 8); do
  st=$($TC part "$D/status.json" orders $p)
  echo "$st" | $PY -c 'import json,sys; p=json.load(sys.stdin); sys.exit(0 if p and not p["stopped"] and p["committed_offset"]==29 else 1)' ||
    fail "orders/$p (${CASES[$p]}): status $st, want committed_offset 29, not stopped"
done
# warn lines: the object, and both values for footer/header
for p in $(seq 0 8); do
  c=${CASES[$p]}
  kinds=$($PY -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["phases"][-1]["mismatch"]))' "$D/expected-$c.json")
  [ -n "$kinds" ] || continue
  key=$(seg10 $p)
  lines=$(grep 'level=warn' "$D/run2.log" | grep -F "$key" || true)
  if [ -z "$lines" ]; then
    fail "$c: no level=warn line names $key"
    continue
  fi
  vals=$($PY -c '
import json, sys
e = json.load(open(sys.argv[1]))
o = [v for k, v in e["objects"].items() if k.endswith("segment-%020d" % 10)][-1]
k = e["phases"][-1]["mismatch"][0]
print({"footer_last_offset": "%d %d" % (o["footer_last_offset"], o["last_offset"]),
       "header_base_offset": "%d %d" % (o["header_base_offset"], o["base_offset"]),
       "header_message_count": "%d %d" % (o["header_message_count"], o["records"])}.get(k, ""))' "$D/expected-$c.json")
  for v in $vals; do
    echo "$lines" | grep -qw -- "$v" || fail "$c: the warn line does not give the value $v: $(echo "$lines" | head -1)"
  done
done
M=kafscale_processor_segment_mismatch_total
for k in footer_last_offset header_base_offset header_message_count index; do
  got=$($TC metric "$D/metrics.txt" $M topic=orders kind=$k)
  [ "$got" != absent ] && $PY -c "import sys; sys.exit(0 if float('$got') > 0 else 1)" ||
    fail "$M{topic=orders,kind=$k} is $got, want > 0"
done
grep -q 'level=error' "$D/run2.log" && fail "error lines: $(grep 'level=error' "$D/run2.log" | head -3 | cut -c1-300)"
$TC want "$D" 2 orders $(for c in "${CASES[@]}"; do echo "$c:read_committed"; done) > /dev/null
if ! check_table "$D" orders shop.orders > "$D/check2.out" 2>&1; then
  fail "table shop.orders does not hold every record exactly once:"; sed 's/^/    /' "$D/check2.out" | head -14
fi
if [ $bad -gt 0 ]; then echo "it_mismatch: $bad check(s) failed"; exit 1; fi
echo "1 passed, 0 failed"
