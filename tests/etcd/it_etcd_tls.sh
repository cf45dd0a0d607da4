#!/usr/bin/env bash
# etcd over TLS with client certificates (etcd --client-cert-auth), the way
# managed and operator-run etcd clusters are exposed:
#   1. a private CA, a server certificate for 127.0.0.1 and a client
#      certificate made with openssl; etcd listens on https only;
#   2. the client (tests/etcd/etcd_check) with etcd.tls.* reads and writes,
#      and etcdctl reads what it wrote;
#   3. the wrong CA, no client certificate, an unreadable CA path: each
#      fails with an error naming the endpoint or the file;
#   4. the processor with etcd.tls.* runs against it: the table is exact and
#      the offsets are in etcd (read back with etcdctl over TLS).
# $1 = path of the built iceberg-processor (etcd_check and icp-seggen next to it).
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/lib.sh"
CHECK=$(dirname "$BIN")/etcd_check
[ -x "$CHECK" ] || { echo "it_etcd_tls: $CHECK not built"; exit 1; }
command -v openssl >/dev/null || { echo "openssl missing (scripts/bootstrap installs it)"; exit 1; }
D=$WORK/tls; mkdir -p "$D/pki"
ETCD_PID=
cleanup() {
  if [ -n "$ETCD_PID" ]; then kill "$ETCD_PID" 2>/dev/null || true; wait "$ETCD_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "it_etcd_tls: FAIL: $*"; tail -20 "$D/etcd.log" 2>/dev/null || true; exit 1; }

# 1. PKI: CA, server (SAN IP 127.0.0.1), client; and an unrelated CA.
P=$D/pki
ossl() { openssl "$@" 2>>"$P/openssl.log" || fail "openssl $1 (see $P/openssl.log)"; }
for ca in ca other-ca; do
  ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=icp test $ca" \
    -keyout "$P/$ca.key" -out "$P/$ca.pem"
done
# etcd 3.4 gateway dials itself with the server certificate: clientAuth too.
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > "$P/server.ext"
printf 'extendedKeyUsage=clientAuth\n' > "$P/client.ext"
for who in server client; do
  ossl req -newkey rsa:2048 -nodes -subj "/CN=$who" -keyout "$P/$who.key" -out "$P/$who.csr"
  ossl x509 -req -in "$P/$who.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial \
    -days 2 -extfile "$P/$who.ext" -out "$P/$who.pem"
done

ETCD_SCHEME=https etcd_ports
URL=$ETCD_URL
etcd_launch "$D/data" "$D/etcd.log" --cert-file "$P/server.pem" --key-file "$P/server.key" \
  --trusted-ca-file "$P/ca.pem" --client-cert-auth
ctl() { etcdctl --endpoints="$URL" --cacert "$P/ca.pem" --cert "$P/client.pem" \
          --key "$P/client.key" --dial-timeout=2s "$@"; }
etcd_healthy ctl || fail "etcd (TLS) did not become healthy at $URL"

# 2. The client with CA + client certificate.
export ICP_ETCD_TLS_CA=$P/ca.pem ICP_ETCD_TLS_CERT=$P/client.pem ICP_ETCD_TLS_KEY=$P/client.key
"$CHECK" put "$URL" tls/ours "over tls" || fail "put over TLS"
[ "$(ctl get --print-value-only tls/ours)" = "over tls" ] || fail "etcdctl does not read our key"
ctl put tls/theirs "from etcdctl" > /dev/null
[ "$("$CHECK" get "$URL" tls/theirs)" = "from etcdctl" ] || fail "we do not read etcdctl's key"
echo "it_etcd_tls: client certificate auth ok"

# 3. Failures name what went wrong.
if ICP_ETCD_TLS_CA=$P/other-ca.pem "$CHECK" get "$URL" tls/ours 2> "$D/e1"; then
  fail "a server certificate from another CA was accepted"; fi
grep -q "$URL" "$D/e1" && grep -qi "certificate" "$D/e1" || fail "wrong-CA error: $(cat "$D/e1")"
if ICP_ETCD_TLS_CERT= ICP_ETCD_TLS_KEY= "$CHECK" get "$URL" tls/ours 2> "$D/e2"; then
  fail "etcd accepted a client without a certificate"; fi
grep -q "$URL" "$D/e2" || fail "no-client-cert error does not name the endpoint: $(cat "$D/e2")"
if ICP_ETCD_TLS_CA=$P/missing.pem "$CHECK" get "$URL" tls/ours 2> "$D/e3"; then
  fail "a missing CA file was accepted"; fi
grep -q "ca_file \"$P/missing.pem\"" "$D/e3" || fail "missing-CA error: $(cat "$D/e3")"
if ICP_ETCD_TLS_KEY= "$CHECK" get "$URL" tls/ours 2> "$D/e4"; then
  fail "cert_file without key_file was accepted"; fi
grep -q "go together" "$D/e4" || fail "cert-without-key error: $(cat "$D/e4")"
unset ICP_ETCD_TLS_CA ICP_ETCD_TLS_CERT ICP_ETCD_TLS_KEY
echo "it_etcd_tls: wrong CA, no client certificate, missing file, half a key pair: refused by name"

# 4. The processor with etcd.tls.*: offsets go to etcd over TLS.
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics orders --partitions 2 \
  --records-per-partition 300 --segment-bytes 20000 --codec mixed --seed 5 --quiet
cat > "$D/config.yaml" <<YAML
s3: {endpoint: file://$D/segments, bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: sqlite://$D/catalog.db}
  warehouse: file://$D/warehouse
offsets: {backend: etcd, lease_ttl_seconds: 5}
etcd:
  endpoints: ["$URL"]
  tls: {ca_file: $P/ca.pem, cert_file: $P/client.pem, key_file: $P/client.key}
discovery: {mode: s3}
processor: {threads: 4}
log: {level: warn}
mappings:
  - {topic: orders, table: shop.orders, create_table_if_missing: true}
YAML
"$BIN" check-config -config="$D/config.yaml" > /dev/null || fail "check-config rejected the TLS config"
"$BIN" --once -config="$D/config.yaml" 2> "$D/run.log" || { cat "$D/run.log"; fail "processor run over TLS"; }
expected "$D"
check_table "$D" orders shop.orders > "$D/check" || { cat "$D/check"; fail "table check"; }
for p in 0 1; do
  want=$($PY -c 'import json,sys
print(max(r["offset"] for r in map(json.loads, open(sys.argv[1])) if r["partition"] == int(sys.argv[2])))' \
    "$D/expected-orders.jsonl" "$p")
  got=$(ctl get --print-value-only "processors/offsets/orders/$p" |
        $PY -c 'import json,sys; print(json.load(sys.stdin)["offset"])')
  [ "$got" = "$want" ] || fail "offset of orders/$p in etcd: '$got', want $want"
done
echo "it_etcd_tls: processor over TLS: table exact, offsets in etcd"
echo "1 passed, 0 failed"
