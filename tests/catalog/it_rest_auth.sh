#!/usr/bin/env bash
# Auth against the REST catalog: a static bearer token (a wrong one fails
# with a clear 401 error that never shows the token), OAuth2 client
# credentials with tokens that expire after 2 s (the processor, running
# for several seconds, must fetch new ones: before expiry and once on a
# 401), and wrong client credentials; secrets never appear in the logs,
# even with ICEBERG_PROCESSOR_REST_DEBUG=1.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/rest_lib.sh"
gen() {
  "$SEGGEN" --out "$1/all" --namespace prod --topics orders,clicks,payments --partitions 1 \
    --records-per-partition 300 --segment-bytes 3000 --batch-records 10 --seed 3 --quiet
  mkdir -p "$1/segments/bucket"; cp -r "$1/all/prod" "$1/segments/bucket/"
}
fail() { echo "FAIL: $*"; exit 1; }

# 1. static token
D=$WORK/token; mkdir -p "$D"; gen "$D"
start_server "$D" --token s3cr3t-token
write_rest_config "$D" "$URL" "token: wrong-token-value"
if "$BIN" --once -config="$D/config.yaml" 2> "$D/bad.log"; then fail "a wrong token was accepted"; fi
grep -q 'HTTP 401' "$D/bad.log" || { cat "$D/bad.log"; fail "no 401 in the error"; }
grep -q 'wrong-token-value' "$D/bad.log" && fail "token in the log"
write_rest_config "$D" "$URL" "token: s3cr3t-token"
ICEBERG_PROCESSOR_REST_DEBUG=1 "$BIN" --once -config="$D/config.yaml" 2> "$D/ok.log"
grep -q 's3cr3t' "$D/ok.log" && fail "token in the debug log"
grep -q 'rest request' "$D/ok.log" || fail "no debug lines"
expected "$D"
for t in orders clicks payments; do rest_check_table "$D" $t shop.$t > /dev/null; done
echo "static token ok"

# 2. OAuth2 client credentials, 2 s tokens, a processor running 7 s
D=$WORK/oauth; mkdir -p "$D"
start_server "$D" --oauth "client-1:very-secret" --token-ttl 2
write_rest_config "$D" "$URL" "username: client-1" "password: very-secret"
mkdir -p "$D/segments/bucket/prod"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks,payments --partitions 1 \
  --records-per-partition 600 --segment-bytes 3000 --batch-records 10 --seed 4 --quiet
segs=$(ls "$D"/all/prod/orders/0/*.kfs | sort)
ICEBERG_PROCESSOR_REST_DEBUG=1 "$BIN" -config="$D/config.yaml" 2> "$D/run.log" & pid=$!
SERVER_PIDS+=($pid)
for f in $segs; do   # segments trickle in while tokens expire
  for t in orders clicks payments; do
    g=$D/all/prod/$t/0/$(basename "$f"); [ -f "$g" ] || continue
    mkdir -p "$D/segments/bucket/prod/$t/0"
    cp "$g" "${g%.kfs}.index" "$D/segments/bucket/prod/$t/0/"
  done
  sleep 0.4
done
sleep 4
kill -TERM $pid; wait $pid || true
grep -q 'very-secret' "$D/run.log" && fail "client secret in the log"
expected "$D"
for t in orders clicks payments; do rest_check_table "$D" $t shop.$t > /dev/null; done
s=$(stats "$URL"); echo "oauth stats: $s"
echo "$s" | $PY -c 'import sys,json; s=json.load(sys.stdin); assert 3 <= s["tokens_issued"] <= 12, s'
echo "oauth refresh ok"

# 3. 401 handling: a long-lived token revoked by the server while the
#    processor runs -> the next request answers 401, the client fetches a
#    new token once and repeats the request
D=$WORK/revoke; mkdir -p "$D/segments/bucket/prod"
start_server "$D" --oauth "client-1:very-secret" --token-ttl 3600
write_rest_config "$D" "$URL" "username: client-1" "password: very-secret"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks,payments --partitions 1 \
  --records-per-partition 300 --segment-bytes 3000 --batch-records 10 --seed 6 --quiet
"$BIN" -config="$D/config.yaml" 2> "$D/run.log" & pid=$!
SERVER_PIDS+=($pid)
n=0
for f in $(ls "$D"/all/prod/orders/0/*.kfs | sort); do
  for t in orders clicks payments; do
    g=$D/all/prod/$t/0/$(basename "$f"); [ -f "$g" ] || continue
    mkdir -p "$D/segments/bucket/prod/$t/0"
    cp "$g" "${g%.kfs}.index" "$D/segments/bucket/prod/$t/0/"
  done
  n=$((n + 1)); [ $((n % 2)) -eq 0 ] && curl -s -X POST "$URL/test/revoke" > /dev/null
  sleep 1.2
done
sleep 3
kill -TERM $pid; wait $pid || true
expected "$D"
for t in orders clicks payments; do rest_check_table "$D" $t shop.$t > /dev/null; done
s=$(stats "$URL"); echo "revoke stats: $s"
echo "$s" | $PY -c 'import sys,json; s=json.load(sys.stdin); assert s["unauthorized"] >= 1 and s["tokens_issued"] >= 2, s'
echo "401 refresh ok"

# 4. wrong client secret: a clear error, the secret not shown
write_rest_config "$D" "$URL" "username: client-1" "password: not-the-secret"
if "$BIN" --once -config="$D/config.yaml" 2> "$D/badsecret.log"; then fail "bad secret accepted"; fi
grep -q 'OAuth2 token request' "$D/badsecret.log" || { cat "$D/badsecret.log"; fail "unclear error"; }
grep -q 'not-the-secret' "$D/badsecret.log" && fail "secret in the error"
echo "1 passed, 0 failed"
