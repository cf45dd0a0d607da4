#!/usr/bin/env bash
# Integration test of src/coord against a real etcd 3.4 (private instance:
# 127.0.0.1, random free ports, temp data dir). Runs simulated workers
# (tests/coord/coord_worker.c, one process each) over 24 partitions
# (3 topics x 8) with a lease TTL of 3 s and checks, printing the times:
#  1. 3 workers converge to 8 partitions each;
#  2. a 4th joins: 6 each;
#  3. kill -9 one: its partitions are owned again within 2 x TTL, 8 each;
#  4. etcd stopped (SIGSTOP) 10 s: workers report their leases lost after
#     their local deadline, reclaim everything after;
#  5. etcd killed and restarted on the same data dir after 10 s: same;
#  6. a worker SIGSTOPped past the TTL: others take over; after SIGCONT it
#     reports the loss and never uses a partition etcd gives to another
#     (the workers check that on every use: a "VIOLATION" fails the test);
#  7. etcdctl reads the lease/offset/watermark keys in the documented JSON;
#  8. SIGTERM: the worker revokes its lease, its keys vanish at once.
# $1 = path of the built iceberg-processor; coord_worker and coord_check sit
# next to it.
set -euo pipefail
BIN_DIR=$(cd "$(dirname "$1")" && pwd)
WORKER="$BIN_DIR/coord_worker"
CHECK="$BIN_DIR/coord_check"
[ -x "$WORKER" ] || { echo "it_coord: $WORKER not built"; exit 1; }
[ -x "$CHECK" ] || { echo "it_coord: $CHECK not built"; exit 1; }
command -v etcd >/dev/null || { echo "it_coord: etcd missing (scripts/bootstrap installs etcd-server)"; exit 1; }
command -v etcdctl >/dev/null || { echo "it_coord: etcdctl missing (etcd-client)"; exit 1; }

TTL=3
PREFIX=processors
TMP=$(mktemp -d)
ETCD_PID=
declare -A WPID=()
cleanup() {
  local p
  for p in "${WPID[@]}"; do
    kill -CONT "$p" 2>/dev/null || true; kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true
  done
  if [ -n "$ETCD_PID" ]; then
    kill -CONT "$ETCD_PID" 2>/dev/null || true
    kill "$ETCD_PID" 2>/dev/null || true; wait "$ETCD_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
  echo "it_coord: FAIL: $*"
  echo "--- owners"; owners || true
  for f in "$TMP"/w*.log; do echo "--- $f (tail)"; tail -8 "$f"; done
  echo "--- etcd log (tail)"; tail -5 "$TMP/etcd.log" || true
  exit 1
}

source "$(dirname "$0")/../etcd/lib.sh"
etcd_ports
URL=$ETCD_URL
ctl() { etcdctl --endpoints="$URL" --dial-timeout=2s --command-timeout=3s "$@"; }

start_etcd() { # $1 = new | existing
  etcd_launch "$TMP/data" "$TMP/etcd.log" --initial-cluster-state "$1"
  etcd_healthy ctl || fail "etcd did not become healthy at $URL"
}
start_etcd new
echo "it_coord: etcd $(etcd --version | head -1 | awk '{print $3}') at $URL, TTL ${TTL}s"

# 0. deterministic scenarios: claim/release/deadline with an injected
# clock, two coordinators, shutdown, offsets/watermarks, discovery
"$CHECK" "$URL" || fail "coord_check"
ctl del --prefix check/ >/dev/null

start_worker() { # $1 = id
  "$WORKER" "$URL" "$PREFIX" "$1" "$TTL" 3 8 >>"$TMP/$1.log" 2>&1 &
  WPID[$1]=$!
}
now_ms() { date +%s%3N; }
# "owner count" lines of the lease keys, e.g. "w1 8".
owners() {
  ctl get --prefix "$PREFIX/leases/" --print-value-only |
    /usr/bin/python3 -c '
import sys, json, collections
c = collections.Counter(json.loads(l)["owner_id"] for l in sys.stdin if l.strip())
for k in sorted(c): print(k, c[k])'
}
# Waits until the owners are exactly the expected "id n" pairs ($2..),
# at most $1 seconds; prints the elapsed ms.
wait_owners() {
  local limit=$1; shift
  local want got t0
  want=$(printf '%s\n' "$@" | sort)
  t0=$(now_ms)
  while :; do
    got=$(owners 2>/dev/null || true)
    [ "$got" = "$want" ] && { echo $(( $(now_ms) - t0 )); return 0; }
    [ $(( $(now_ms) - t0 )) -gt $((limit * 1000)) ] && { echo "want: $want / got: $got" >&2; return 1; }
    sleep 0.1
  done
}
no_violation() {
  if grep -h VIOLATION "$TMP"/w*.log; then fail "a worker used a partition it no longer owned"; fi
  for id in "${!WPID[@]}"; do
    kill -0 "${WPID[$id]}" 2>/dev/null || fail "worker $id died: $(tail -2 "$TMP/$id.log")"
  done
}

# 1. three workers at once
t0=$(now_ms)
start_worker w1; start_worker w2; start_worker w3
ms=$(wait_owners 30 "w1 8" "w2 8" "w3 8") || fail "3 workers did not converge to 8 each"
echo "it_coord: 3 workers x 24 partitions: 8 each after $(( $(now_ms) - t0 )) ms from start"
no_violation

# 2. a 4th joins
t0=$(now_ms)
start_worker w4
ms=$(wait_owners 30 "w1 6" "w2 6" "w3 6" "w4 6") || fail "no rebalance to 6 each"
echo "it_coord: 4th worker joined: 6 each after $(( $(now_ms) - t0 )) ms"
no_violation

# 3. kill -9 one
t0=$(now_ms)
kill -9 "${WPID[w2]}"; wait "${WPID[w2]}" 2>/dev/null || true; unset 'WPID[w2]'
ms=$(wait_owners $((2 * TTL + 10)) "w1 8" "w3 8" "w4 8") || fail "no takeover after kill -9"
took=$(( $(now_ms) - t0 ))
echo "it_coord: kill -9 of a worker: its partitions re-owned, 8 each after $took ms (TTL ${TTL}000 ms)"
[ "$took" -le $((2 * TTL * 1000)) ] || fail "takeover took $took ms > 2 x TTL"
no_violation

# 4./5. etcd away for 10 s: stopped, then killed and restarted
etcd_outage() { # $1 = stop | restart
  local mark t0 took
  mark=$(now_ms)
  if [ "$1" = stop ]; then
    kill -STOP "$ETCD_PID"; sleep 10; kill -CONT "$ETCD_PID"
  else
    kill -9 "$ETCD_PID"; wait "$ETCD_PID" 2>/dev/null || true; sleep 10; start_etcd existing
  fi
  t0=$(now_ms)
  # every worker reported its partitions lost during the outage, within
  # TTL + 2 s after it began: the local deadline is TTL - margin after
  # the last keep-alive (itself before the outage); the report comes with
  # the first tick past it, which may wait for one etcd timeout (750 ms).
  for id in w1 w3 w4; do
    awk -v m="$mark" -v id="$id" '$1=="EV" && $2+0>=m+0 && $3==id && $4=="lost" {n++; if (!f) f=$2} END {printf "%d %.0f\n", n, f}' \
      "$TMP/$id.log" | { read -r n first
        [ "$n" -ge 1 ] || fail "$id reported no loss during etcd $1"
        [ $((first - mark)) -le $((TTL * 1000 + 2000)) ] || fail "$id reported the loss $((first - mark)) ms after the outage began"
        echo "it_coord: etcd $1: $id reported $n partitions lost $((first - mark)) ms after the outage began"; }
  done
  ms=$(wait_owners 30 "w1 8" "w3 8" "w4 8") || fail "no recovery after etcd $1"
  took=$(( $(now_ms) - t0 ))
  echo "it_coord: etcd back after $1: all 24 owned again, 8 each, $took ms later"
  no_violation
}
etcd_outage stop
etcd_outage restart

# 6. a worker paused past the TTL. It must know its 8 partitions first:
# etcd may hold keys under its lease that it has not adopted yet (a claim
# whose answer the etcd restart cut off, adopted by its next good tick),
# and a worker cannot report losing what it never knew it had.
owned_ev() { # WORKER -> partitions it owns by its own events
  awk '$1=="EV" { if ($4=="claimed") o[$5]=1; else if ($4=="lost" || $4=="released") delete o[$5] }
       END { n=0; for (k in o) n++; print n }' "$TMP/$1.log"
}
for _ in $(seq 100); do [ "$(owned_ev w3)" = 8 ] && break; sleep 0.1; done
[ "$(owned_ev w3)" = 8 ] || fail "w3 does not know its 8 partitions 10 s after the etcd restart ($(owned_ev w3) by its events)"
mark=$(now_ms)
kill -STOP "${WPID[w3]}"
ms=$(wait_owners $((2 * TTL + 10)) "w1 12" "w4 12") || fail "paused worker's partitions not taken over"
echo "it_coord: worker paused: its partitions taken over after $(( $(now_ms) - mark )) ms"
sleep 1
cont=$(now_ms)
kill -CONT "${WPID[w3]}"
ms=$(wait_owners 30 "w1 8" "w3 8" "w4 8") || fail "no rebalance after the paused worker came back"
# counted from the pause, not the SIGCONT: a tick stopped half-way stamps
# its events with the time it started, before the pause ended
n=$(awk -v m="$mark" '$1=="EV" && $2+0>=m+0 && $4=="lost"' "$TMP/w3.log" | wc -l)
[ "$n" -ge 8 ] || fail "the resumed worker reported $n losses, want >= 8 (pause at $mark, SIGCONT at $cont; its events since: $(awk -v m="$mark" '$1=="EV" && $2+0>=m+0 {printf "%s %s %s; ", $2, $4, $5}' "$TMP/w3.log" | head -c 1500))"
echo "it_coord: resumed worker reported $n partitions lost, rebalanced to 8 each after $(( $(now_ms) - cont )) ms"
no_violation

# 7. the documented JSON, read with etcdctl
sleep 2.5 # every worker wrote offsets of every owned partition by now
/usr/bin/python3 - "$URL" "$PREFIX" <<'PY' || fail "keys do not match compatibility.md"
import json, re, subprocess, sys
url, pfx = sys.argv[1], sys.argv[2]
def get(prefix):
    out = subprocess.run(["etcdctl", "--endpoints=" + url, "get", "--prefix", prefix, "-w", "json"],
                         check=True, capture_output=True, text=True).stdout
    import base64
    kvs = json.loads(out).get("kvs", [])
    return {base64.b64decode(k["key"]).decode(): (base64.b64decode(k["value"]).decode(), k.get("lease", 0)) for k in kvs}
leases = get(pfx + "/leases/")
assert len(leases) == 24, len(leases)
for k, (v, lease) in leases.items():
    assert re.fullmatch(r"%s/leases/t[0-2]/[0-7]" % pfx, k), k
    assert re.fullmatch(r'\{"owner_id":"w[0-9]","lease_expires_at":[0-9]{13},"generation":[0-9]+\}', v), v
    assert int(lease) != 0, k + " has no etcd lease"
offs = get(pfx + "/offsets/")
wms = get(pfx + "/watermarks/")
assert len(offs) == 24, len(offs)
for k, (v, _) in offs.items():
    assert re.fullmatch(r'\{"offset":[0-9]+,"last_timestamp_ms":[0-9]+,"updated_at":[0-9]+\}', v), v
    tp = k[len(pfx + "/offsets/"):]
    assert (pfx + "/watermarks/" + tp) in wms, tp
for t in ("t0", "t1", "t2"):
    top = json.loads(wms[pfx + "/watermarks/" + t][0])
    parts = [json.loads(v) for k, (v, _) in wms.items() if k.startswith(pfx + "/watermarks/" + t + "/")]
    assert len(parts) == 8, t
    # never above the smallest partition watermark (values only grow)
    assert top["offset"] <= min(p["offset"] for p in parts), (top, parts)
    assert set(top) == {"offset", "last_timestamp_ms", "updated_at"}, top
members = get(pfx + "/members/")
assert sorted(members) == [pfx + "/members/" + w for w in ("w1", "w3", "w4")], sorted(members)
print("it_coord: etcdctl: 24 lease keys, 24 offsets, 24+3 watermarks, 3 members: documented JSON")
PY

# 8. graceful shutdown hands over at once
t0=$(now_ms)
kill -TERM "${WPID[w4]}"; wait "${WPID[w4]}" || fail "w4 exit status $?"; unset 'WPID[w4]'
grep -q "shutdown revoked" "$TMP/w4.log" || fail "w4 did not revoke its lease"
ms=$(wait_owners $((2 * TTL + 10)) "w1 12" "w3 12") || fail "no takeover after shutdown"
took=$(( $(now_ms) - t0 ))
echo "it_coord: SIGTERM (lease revoked): partitions re-owned after $took ms"
[ "$took" -lt $((TTL * 1000)) ] || fail "hand-over after revoke took $took ms, want < TTL"
no_violation
echo "it_coord: PASS"
