#!/usr/bin/env bash
# End to end through the REST catalog with everything on S3: segments in an
# S3 bucket, the warehouse at s3://wh/lake (data files and manifests written
# by the processor, metadata JSON written by the catalog server, both through
# s3rver; the processor's requests go through the signature-checking proxy).
# The warehouse is downloaded and every table read back by icebird + DuckDB.
# Then vended S3 settings: the processor's own warehouse credentials are
# wrong; a catalog that vends none fails the run with the store's 403, a
# catalog that vends the right ones (load-table `config`: s3.endpoint,
# s3.access-key-id, s3.secret-access-key, s3.path-style-access) makes it
# work.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/rest_lib.sh"
source "$(dirname "$0")/../s3/lib.sh"
D=$WORK/rs3; mkdir -p "$D"
s3_start segments wh
trap 's3_stop; cleanup_rest' EXIT  # after s3_start, which sets its own
s3_proxy_start 0 1
start_server "$D" --warehouse s3://wh/lake --s3-endpoint "$S3_ENDPOINT"
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics orders,clicks,payments --partitions 2 \
  --records-per-partition 1200 --segment-bytes 40000 --codec mixed --value-bytes 100 --seed 9 --quiet
$PY "$ROOT/tests/s3/s3sync.py" up "$D/segments/bucket" "$S3_ENDPOINT" segments > /dev/null
write_rest_config "$D" "$URL"
$PY - "$D/config.yaml" "$S3_PROXY_ENDPOINT" <<'PY'
import sys, re
p, ep = sys.argv[1], sys.argv[2]
s = open(p).read()
s = re.sub(r"s3:\n  endpoint: .*\n  bucket: bucket\n",
           's3:\n  endpoint: "%s"\n  bucket: segments\n  region: us-east-1\n  path_style: true\n' % ep, s)
s = re.sub(r"  warehouse: file://.*", "  warehouse: s3://wh/lake", s)
open(p, "w").write(s)
PY
"$BIN" --once -config="$D/config.yaml" 2> "$D/run.log" || { cat "$D/run.log"; exit 1; }
[ "$(s3_proxy_count sig_rejected)" = 0 ] || { echo "signatures rejected"; exit 1; }
expected "$D"
$PY "$ROOT/tests/s3/s3sync.py" down "$S3_ENDPOINT" wh "$D/dl/wh" > /dev/null
for t in orders clicks payments; do
  read -r url file < <(rest_metadata_of "$D" shop.$t)
  case $url in s3://wh/lake/*) ;; *) echo "table $t at $url, not on S3"; exit 1;; esac
  ICEBERG_CHECK_S3_ROOT=$D/dl node "$ROOT/tools/iceberg-check.mjs" "$url" "$file" "$D/expected-$t.jsonl" \
    > "$D/check" || { cat "$D/check"; exit 1; }
done
echo "REST catalog + S3 warehouse: 3 tables read back exactly"

# vended settings; lake2 without vending (control), lake3 with
wrong_creds() { # DIR WAREHOUSE
  $PY - "$1/config.yaml" "$2" "$S3_PROXY_ENDPOINT" <<'PY'
import sys, re
p, wh, ep = sys.argv[1:]
s = open(p).read()
s = re.sub(r"  warehouse: .*", "  warehouse: %s\n  s3: {endpoint: \"%s\", path_style: true, "
           "access_key_id: WRONGKEY, secret_access_key: wrong-secret}" % (wh, ep), s)
open(p, "w").write(s)
PY
}
D2=$WORK/rs3-novend
start_server "$D2" --warehouse s3://wh/lake2 --s3-endpoint "$S3_ENDPOINT"
cp "$D/config.yaml" "$D2/config.yaml"; sed -i "s|uri: http://127.0.0.1:[0-9]*|uri: $URL|; s|$D/state|$D2/state|" "$D2/config.yaml"
wrong_creds "$D2" s3://wh/lake2
if "$BIN" --once -config="$D2/config.yaml" 2> "$D2/run.log"; then
  echo "wrong warehouse credentials and nothing vended: the run succeeded"; exit 1; fi
grep -q "403" "$D2/run.log" || { cat "$D2/run.log"; echo "no 403 in the error"; exit 1; }
echo "control: wrong warehouse credentials, nothing vended -> $(grep -o 'SignatureDoesNotMatch\|HTTP 403[^"]*' "$D2/run.log" | head -1)"
D3=$WORK/rs3-vend
start_server "$D3" --warehouse s3://wh/lake3 --s3-endpoint "$S3_ENDPOINT" --table-config \
  "{\"s3.endpoint\": \"$S3_PROXY_ENDPOINT\", \"s3.access-key-id\": \"$AWS_ACCESS_KEY_ID\", \"s3.secret-access-key\": \"$AWS_SECRET_ACCESS_KEY\", \"s3.path-style-access\": \"true\"}"
cp "$D/config.yaml" "$D3/config.yaml"; sed -i "s|uri: http://127.0.0.1:[0-9]*|uri: $URL|; s|$D/state|$D3/state|" "$D3/config.yaml"
wrong_creds "$D3" s3://wh/lake3
sed -i 's/level: warn/level: info/' "$D3/config.yaml"
"$BIN" --once -config="$D3/config.yaml" 2> "$D3/run.log" || { cat "$D3/run.log"; exit 1; }
grep -q 'using S3 settings vended by the catalog' "$D3/run.log" || { cat "$D3/run.log"; exit 1; }
rm -rf "$D/dl"; $PY "$ROOT/tests/s3/s3sync.py" down "$S3_ENDPOINT" wh "$D/dl/wh" > /dev/null
for t in orders clicks payments; do
  read -r url file < <(rest_metadata_of "$D3" shop.$t)
  case $url in s3://wh/lake3/*) ;; *) echo "table $t at $url, not in lake3"; exit 1;; esac
  ICEBERG_CHECK_S3_ROOT=$D/dl node "$ROOT/tools/iceberg-check.mjs" "$url" "$file" "$D/expected-$t.jsonl" \
    > "$D3/check" || { cat "$D3/check"; exit 1; }
done
echo "vended S3 credentials and endpoint used: 3 tables read back exactly"

# run mode: credentials vended for 4 s only (the spec's
# s3.session-token-expires-at-ms) are renewed before they expire, and the
# access delegation header is sent when configured
D4=$WORK/rs3-renew
start_server "$D4" --warehouse s3://wh/lake4 --s3-endpoint "$S3_ENDPOINT" --table-config \
  "{\"s3.endpoint\": \"$S3_PROXY_ENDPOINT\", \"s3.access-key-id\": \"$AWS_ACCESS_KEY_ID\", \"s3.secret-access-key\": \"$AWS_SECRET_ACCESS_KEY\", \"s3.path-style-access\": \"true\", \"s3.session-token-expires-in-ms\": \"4000\"}"
cp "$D3/config.yaml" "$D4/config.yaml"; sed -i "s|uri: http://127.0.0.1:[0-9]*|uri: $URL\n    access_delegation: vended-credentials|; s|$D3/state|$D4/state|; s|lake3|lake4|" "$D4/config.yaml"
"$BIN" -config="$D4/config.yaml" 2> "$D4/run.log" & RPID=$!
SERVER_PIDS+=($RPID)
for _ in $(seq 100); do [ "$(grep -c 'renewed the S3 settings vended by the catalog' "$D4/run.log")" -ge 3 ] && break; sleep 0.1; done
kill -TERM $RPID; wait $RPID || { cat "$D4/run.log"; echo "run mode exit $?"; exit 1; }
n=$(grep -c 'renewed the S3 settings vended by the catalog' "$D4/run.log" || true)
[ "$n" -ge 3 ] || { cat "$D4/run.log"; echo "vended settings renewed $n times in 10 s, want >= 3 (one table each)"; exit 1; }
$PY - "$(stats "$URL")" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
# every request of the processor (all but this stats request)
assert s.get("delegation", {}).get("vended-credentials", 0) == s["requests"] - 1, s
print("access delegation header on all %d processor requests; %d vending responses"
      % (s["requests"] - 1, s["vended"]))
PY
echo "vended credentials renewed before expiry: $n renewals"
echo "1 passed, 0 failed"
