#!/usr/bin/env bash
# S3 over TLS with a private CA, and credentials from the config file:
#   1. s3rver serves https with a certificate for 127.0.0.1 signed by a CA
#      made here; the processor reads segments and writes an s3://
#      warehouse through it with s3.ca_bundle, the credentials given as
#      s3.access_key_id/s3.secret_access_key (none in the environment);
#      the table is read back exactly (icebird + DuckDB);
#   2. without s3.ca_bundle the system CAs do not trust it: the run fails
#      naming the endpoint and the certificate problem;
#   3. no credentials anywhere: the run stops naming the chain it tried;
#   4. half a key pair in the config is refused by check-config.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/lib.sh"
D=$WORK/tls; mkdir -p "$D/pki"
P=$D/pki
ossl() { openssl "$@" 2>>"$P/openssl.log" || { echo "openssl $1 failed"; cat "$P/openssl.log"; exit 1; }; }
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=icp test CA" -keyout "$P/ca.key" -out "$P/ca.pem"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$P/server.ext"
ossl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$P/server.key" -out "$P/server.csr"
ossl x509 -req -in "$P/server.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 2 \
  -extfile "$P/server.ext" -out "$P/server.pem"
S3_TLS_KEY=$P/server.key S3_TLS_CERT=$P/server.pem s3_start segments wh
trap 's3_stop; rm -rf "$WORK"' EXIT
case $S3_ENDPOINT in https://*) ;; *) echo "s3rver is not on https: $S3_ENDPOINT"; exit 1;; esac
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics orders --partitions 2 \
  --records-per-partition 500 --segment-bytes 20000 --codec mixed --seed 8 --quiet
SSL_CERT_FILE=$P/ca.pem $PY "$ROOT/tests/s3/s3sync.py" up "$D/segments/bucket" "$S3_ENDPOINT" segments > /dev/null
expected "$D"
config() { # CA_LINE
  cat > "$D/config.yaml" <<YAML
s3:
  endpoint: "$S3_ENDPOINT"
  bucket: segments
  namespace: prod
  region: us-east-1
  path_style: true
  access_key_id: "\${TEST_KEY_ID}"
  secret_access_key: "\${TEST_SECRET}"
$1
iceberg:
  catalog: {type: sql, uri: "sqlite://$D/catalog.db"}
  warehouse: s3://wh/lake
offsets: {backend: local, local_path: "$D/offsets.json"}
log: {level: warn}
mappings:
  - {topic: orders, table: shop.orders, create_table_if_missing: true}
YAML
}
export TEST_KEY_ID=$AWS_ACCESS_KEY_ID TEST_SECRET=$AWS_SECRET_ACCESS_KEY
NOENV=(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN
       AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent)

# 2. (first, so nothing is written) the system CAs do not know our CA
config ""
if "${NOENV[@]}" "$BIN" --once -config="$D/config.yaml" 2> "$D/noca.log"; then
  echo "a run without s3.ca_bundle trusted the private CA"; exit 1; fi
grep -q "127.0.0.1:$S3_PORT" "$D/noca.log" && grep -qi "certificate" "$D/noca.log" ||
  { cat "$D/noca.log"; echo "the TLS failure does not name the endpoint and the certificate"; exit 1; }
echo "without s3.ca_bundle: refused ($(grep -oi 'ssl certificate problem[^"]*' "$D/noca.log" | head -1))"

# 1. with the CA bundle and credentials from the config
config "  ca_bundle: $P/ca.pem"
"${NOENV[@]}" "$BIN" --once -config="$D/config.yaml" 2> "$D/run.log" || { cat "$D/run.log"; exit 1; }
SSL_CERT_FILE=$P/ca.pem $PY "$ROOT/tests/s3/s3sync.py" down "$S3_ENDPOINT" wh "$D/dl/wh" > /dev/null
read -r url file < <($PY - "$D/catalog.db" <<'PY'
import sqlite3, sys, os
loc = sqlite3.connect(sys.argv[1]).execute(
    "SELECT metadata_location FROM iceberg_tables WHERE table_name='orders'").fetchone()[0]
print(os.path.dirname(os.path.dirname(loc)), os.path.basename(loc))
PY
)
ICEBERG_CHECK_S3_ROOT=$D/dl node "$ROOT/tools/iceberg-check.mjs" "$url" "$file" "$D/expected-orders.jsonl" \
  > "$D/check" || { cat "$D/check"; exit 1; }
echo "https with s3.ca_bundle, credentials from the config: table exact"

# without any credentials the run stops and says so
config "  ca_bundle: $P/ca.pem"
sed -i "/access_key_id\|secret_access_key/d" "$D/config.yaml"
if "${NOENV[@]}" "$BIN" --once -config="$D/config.yaml" 2> "$D/nocred.log"; then
  echo "a run without credentials succeeded"; exit 1; fi
grep -qi "credentials" "$D/nocred.log" || { cat "$D/nocred.log"; exit 1; }
echo "without credentials: $(grep -oi "no [^\"]*credentials[^\"]*" "$D/nocred.log" | head -1)"

# 3. half a key pair
config "  ca_bundle: $P/ca.pem"
sed -i '/secret_access_key/d' "$D/config.yaml"
if "$BIN" check-config -config="$D/config.yaml" > /dev/null 2> "$D/half.log"; then
  echo "check-config accepted s3.access_key_id without a secret"; exit 1; fi
grep -q "s3.access_key_id and s3.secret_access_key go together" "$D/half.log" || { cat "$D/half.log"; exit 1; }
echo "1 passed, 0 failed"
