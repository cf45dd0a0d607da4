#!/usr/bin/env bash
# Many workers, one etcd (Debian's etcd-server, started here): 3 topics x 8
# partitions shared by processor processes through partition leases.
#   1. three workers converge to 8 partitions each;
#   2. kill -9 one: its partitions are owned again within 2 x TTL;
#   3. a fourth joins: 8/8/8 over the three live ones... then 6 each when
#      all four are alive (the killed one stays dead; we count live ones);
#   4. etcd frozen (SIGSTOP) for 10 s, then resumed: workers pause and
#      resume;
#   5. a worker frozen (SIGSTOP) past the TTL: others take over; SIGCONT:
#      it notices the loss and does not write what it no longer owns;
# while segments keep arriving. At the end every record is in its table
# exactly once (icebird + DuckDB), and the etcd keys (leases, offsets,
# watermarks) are read back with etcdctl and match the documented JSON.
source "$(dirname "$0")/lib.sh"
D=$WORK/workers; mkdir -p "$D/segments/bucket/prod"
TTL=4
PIDS=()
ETCD_PID=
cleanup() {
  for p in "${PIDS[@]}" $ETCD_PID; do kill -CONT "$p" 2>/dev/null || true; kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$D"/w*.log; do echo "--- $f"; tail -15 "$f"; done; exit 1; }

source "$ROOT/tests/etcd/lib.sh"
etcd_ports
EURL=$ETCD_URL
etcd_launch "$D/etcd" "$D/etcd.log"
ctl() { etcdctl --endpoints="$EURL" --dial-timeout=2s --command-timeout=3s "$@"; }
etcd_healthy ctl || fail "etcd did not start"

"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks,payments --partitions 8 \
  --records-per-partition 1500 --segment-bytes 30000 --codec mixed --value-bytes 80 --seed 77 --quiet
# feed STEP: copies the first STEP*25% of every partition's segments
feed() {
  local step=$1 t p dir n k
  for t in orders clicks payments; do for p in $(seq 0 7); do
    dir=$D/all/prod/$t/$p; mkdir -p "$D/segments/bucket/prod/$t/$p"
    n=$(ls "$dir"/*.kfs | wc -l); k=$(( (n * step + 3) / 4 ))
    ls "$dir"/*.kfs | sort | head -$k | while read -r f; do
      [ -e "$D/segments/bucket/prod/$t/$p/$(basename "$f")" ] ||
        cp "$f" "${f%.kfs}.index" "$D/segments/bucket/prod/$t/$p/"; done
  done; done
}
feed 1

config() { # NAME
  cat > "$D/$1.yaml" <<YAML
s3: {endpoint: file://$D/segments, bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: sqlite://$D/catalog.db}
  warehouse: file://$D/warehouse
offsets: {backend: etcd, lease_ttl_seconds: $TTL}
etcd: {endpoints: ["$EURL"]}
discovery: {mode: s3}
processor: {poll_interval_seconds: 1, commit_interval_seconds: 1, threads: 4, worker_id: $1}
log: {level: info}
mappings:
  - {topic: orders, table: shop.orders, create_table_if_missing: true}
  - {topic: clicks, table: shop.clicks, create_table_if_missing: true}
  - {topic: payments, table: shop.payments, create_table_if_missing: true}
YAML
}
declare -A PID
start() { config "$1"; "$BIN" -config="$D/$1.yaml" 2> "$D/$1.log" & PID[$1]=$!; PIDS+=($!); }
# owners: "w1=8 w2=8 w3=8" from the lease keys
owners() {
  ctl get --prefix processors/leases/ --print-value-only 2>/dev/null |
    $PY -c 'import sys,json,collections
c=collections.Counter(json.loads(l)["owner_id"] for l in sys.stdin if l.strip())
print(" ".join(f"{k}={c[k]}" for k in sorted(c)))'
}
# wait_owners "EXPECTED" SECONDS -> prints elapsed ms
wait_owners() {
  local want=$1 limit=$2 t0 now got
  t0=$(date +%s%N)
  while :; do
    got=$(owners)
    [ "$got" = "$want" ] && { echo $(( ($(date +%s%N) - t0) / 1000000 )); return 0; }
    now=$(date +%s%N)
    [ $(( (now - t0) / 1000000000 )) -lt "$limit" ] || { echo "owners '$got', want '$want'" >&2; return 1; }
    sleep 0.2
  done
}

# 1. three workers
start w1; start w2; start w3
ms=$(wait_owners "w1=8 w2=8 w3=8" 30) || fail "3 workers did not balance"
echo "balance 3 workers: ${ms} ms"
ctl get processors/leases/orders/0 --print-value-only | $PY -c '
import sys, json
v = json.loads(sys.stdin.read())
assert set(v) == {"owner_id", "lease_expires_at", "generation"}, v
assert isinstance(v["lease_expires_at"], int) and isinstance(v["generation"], int), v' || fail "lease JSON"
feed 2

# 2. kill -9 w2: its 8 partitions must be owned again within 2 x TTL
sleep 2
kill -9 "${PID[w2]}"
t0=$(date +%s%N)
while :; do
  o=$(owners); n=$(echo "$o" | tr ' ' '\n' | awk -F= '$1 != "w2" {s += $2} END {print s + 0}')
  ! echo "$o" | grep -q 'w2=' && [ "$n" = 24 ] && break
  [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt $((2 * TTL + 4)) ] || fail "takeover: owners '$o'"
  sleep 0.2
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "takeover after kill -9: ${ms} ms (TTL ${TTL}000 ms)"
[ $ms -le $((2 * TTL * 1000)) ] || fail "takeover took ${ms} ms > 2 x TTL"
ms=$(wait_owners "w1=12 w3=12" 30) || fail "2 workers did not balance"

# 3. a fourth worker: 8 each over w1, w3, w4
start w4
ms=$(wait_owners "w1=8 w3=8 w4=8" 30) || fail "rebalance after join"
echo "rebalance after a join: ${ms} ms"
feed 3

# 4. etcd frozen for 10 s
kill -STOP $ETCD_PID
W1_PORT=$(grep -o 'http endpoints listening.* port=[0-9]*' "$D/w1.log" | head -1 | sed 's/.*port=//')
sleep 8
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$W1_PORT/readyz")
[ "$code" = 503 ] || fail "w1 /readyz answered $code while etcd was frozen (want 503)"
sleep 2
kill -CONT $ETCD_PID
ms=$(wait_owners "w1=8 w3=8 w4=8" 40) || fail "no recovery after the etcd pause"
echo "recovered from a 10 s etcd pause: ${ms} ms"
for _ in $(seq 50); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$W1_PORT/readyz"); [ "$code" = 200 ] && break; sleep 0.2
done
[ "$code" = 200 ] || fail "w1 /readyz $code after etcd came back"
echo "readiness: 503 while etcd was frozen, 200 after"
grep -q 'lease' "$D/w1.log" || fail "w1 did not log about its leases during the etcd pause"

# 5. w1 frozen past the TTL, others take over, then it resumes
kill -STOP "${PID[w1]}"
ms=$(wait_owners "w3=12 w4=12" $((3 * TTL + 10))) || fail "no takeover from a frozen worker"
echo "takeover from a frozen worker: ${ms} ms"
feed 4
kill -CONT "${PID[w1]}"
ms=$(wait_owners "w1=8 w3=8 w4=8" 40) || fail "frozen worker did not rejoin"
echo "frozen worker back in: ${ms} ms"
grep -q 'msg="partition lease lost' "$D/w1.log" || fail "w1 did not notice its lost leases"

# wait for every partition's offsets key to reach its last offset
last=$($PY - "$D/all/prod" <<'PY'
import os, sys, struct
root = sys.argv[1]; out = {}
for t in os.listdir(root):
    for p in os.listdir(os.path.join(root, t)):
        ks = sorted(f for f in os.listdir(os.path.join(root, t, p)) if f.endswith(".kfs"))
        data = open(os.path.join(root, t, p, ks[-1]), "rb").read()
        out[f"{t}/{p}"] = struct.unpack(">q", data[-12:-4])[0]
print(" ".join(f"{k}={v}" for k, v in sorted(out.items())))
PY
)
for i in $(seq 1 120); do
  got=$(ctl get --prefix processors/offsets/ 2>/dev/null | $PY -c '
import sys, json
lines = sys.stdin.read().split("\n")
d = {}
for k, v in zip(lines[0::2], lines[1::2]):
    d[k[len("processors/offsets/"):]] = json.loads(v)["offset"]
print(" ".join(f"{k}={v}" for k, v in sorted(d.items())))')
  [ "$got" = "$last" ] && break
  sleep 0.5
done
[ "$got" = "$last" ] || fail "offsets in etcd '$got', want '$last'"
for w in w1 w3 w4; do kill -TERM "${PID[$w]}"; done
for w in w1 w3 w4; do wait "${PID[$w]}" || fail "$w exit $? after SIGTERM"; done
[ -z "$(ctl get --prefix processors/leases/ --keys-only)" ] || fail "leases left after every worker stopped"

# interop: the documented JSON, read with etcdctl
ctl get processors/offsets/orders/3 --print-value-only | $PY -c '
import sys, json
v = json.loads(sys.stdin.read())
assert set(v) == {"offset", "last_timestamp_ms", "updated_at"}, v
assert all(isinstance(v[k], int) for k in v), v' || fail "offsets JSON"
ctl get processors/watermarks/orders/3 --print-value-only | $PY -c '
import sys, json; v = json.loads(sys.stdin.read()); assert set(v) == {"offset", "last_timestamp_ms", "updated_at"}, v' ||
  fail "watermark JSON"
ctl get processors/watermarks/orders --print-value-only | $PY -c '
import sys, json; v = json.loads(sys.stdin.read()); assert "offset" in v, v' || fail "topic watermark JSON"

# exactly once
expected "$D"
for t in orders clicks payments; do check_table "$D" $t shop.$t || fail "table $t"; done
echo "1 passed, 0 failed"
