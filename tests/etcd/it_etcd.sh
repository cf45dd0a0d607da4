#!/usr/bin/env bash
# Integration test of the etcd client (src/etcd/) against a real etcd 3.4:
# starts a private single-member etcd on 127.0.0.1 (random free ports, temp
# data dir, never the system service), runs tests/etcd/etcd_check.c
# (kv, txn, leases, expiry, failover, timeouts), checks interop both ways
# with etcdctl, then enables auth and checks the client with a password.
# $1 = path of the built iceberg-processor; etcd_check sits next to it.
set -euo pipefail
BIN_DIR=$(cd "$(dirname "$1")" && pwd)
CHECK="$BIN_DIR/etcd_check"
[ -x "$CHECK" ] || { echo "it_etcd: $CHECK not built"; exit 1; }
command -v etcd >/dev/null || { echo "it_etcd: etcd missing (scripts/bootstrap installs etcd-server)"; exit 1; }
command -v etcdctl >/dev/null || { echo "it_etcd: etcdctl missing (etcd-client)"; exit 1; }

TMP=$(mktemp -d)
ETCD_PID=
cleanup() {
  if [ -n "$ETCD_PID" ]; then kill "$ETCD_PID" 2>/dev/null || true; wait "$ETCD_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "it_etcd: FAIL: $*"; echo "--- etcd log (tail)"; tail -20 "$TMP/etcd.log" || true; exit 1; }

source "$(dirname "$0")/lib.sh"
etcd_ports
URL=$ETCD_URL
etcd_launch "$TMP/data" "$TMP/etcd.log" --auth-token-ttl 1
ctl() { etcdctl --endpoints="$URL" --dial-timeout=2s "$@"; }
etcd_healthy ctl || fail "etcd did not become healthy at $URL"
echo "it_etcd: etcd $(etcd --version | head -1 | awk '{print $3}') at $URL"

# 1. The client's own scenarios.
"$CHECK" all "$URL" || fail "etcd_check all"

# 2. Interop: etcdctl reads what we wrote, we read what etcdctl wrote.
want='value from icp: "quotes", spaces, ümlaut'
"$CHECK" put "$URL" interop/ours "$want" || fail "put interop/ours"
got=$(ctl get --print-value-only interop/ours)
[ "$got" = "$want" ] || fail "etcdctl read '$got', want '$want'"
ctl put interop/theirs 'written by etcdctl' >/dev/null
got=$("$CHECK" get "$URL" interop/theirs) || fail "get interop/theirs"
[ "$got" = 'written by etcdctl' ] || fail "we read '$got' from etcdctl's key"
if "$CHECK" get "$URL" interop/absent 2>/dev/null; then fail "absent key read as present"; fi
echo "it_etcd: etcdctl interop ok"

# 3. Auth: a root user with a password, then auth on.
ctl user add root:s3cret-pw >/dev/null || fail "user add"
ctl role add root >/dev/null || fail "role add"
ctl user grant-role root root >/dev/null || fail "grant-role"
ctl auth enable >/dev/null || fail "auth enable"
"$CHECK" auth "$URL" root s3cret-pw || fail "etcd_check auth"
got=$(ctl --user root:s3cret-pw get --print-value-only t/auth/k)
[ "$got" = "secret-ok" ] || fail "etcdctl with auth read '$got'"
echo "it_etcd: auth ok"
echo "it_etcd: PASS"
