#!/usr/bin/env bash
# No silent no-op: a segments bucket that is not there stops start-up
# (exit 1, naming it) before anything is created; a mapped topic with no
# objects under {namespace}/{topic}/ is a warning naming the prefix and a
# /status flag that clears once objects appear; a config without mappings
# is a config error; an S3 endpoint that does not answer is exit 3 with
# --once.
source "$(dirname "$0")/lib.sh"
fail=0
die() { echo "FAIL: $*"; fail=1; }
gen() {
  "$SEGGEN" --out "$1" --namespace prod --topics orders,clicks,payments --partitions 1 \
    --records-per-partition 200 --segment-bytes 8000 --codec none --value-bytes 50 --seed 9 --quiet
}

# --- a bucket that does not exist: exit 1, named, nothing created
D=$WORK/nobucket; mkdir -p "$D/segments/bucket"; gen "$D/segments/bucket"
write_config "$D"
sed -i 's/^  bucket: bucket$/  bucket: buckett/' "$D/config.yaml"
for mode in --once ""; do
  rc=0
  # shellcheck disable=SC2086
  timeout 20 "$BIN" $mode -config="$D/config.yaml" 2> "$D/err" || rc=$?
  [ $rc = 1 ] || die "missing bucket ($mode): exit $rc, want 1: $(cat "$D/err")"
  grep -q 'level=fatal .*segments bucket s3.bucket \\"buckett\\" does not exist at s3.endpoint file://.*/segments/buckett' "$D/err" \
    || die "missing bucket ($mode): message: $(cat "$D/err")"
done
[ ! -e "$D/catalog.db" ] || die "missing bucket: catalog.db was created"
[ -z "$(find "$D/warehouse" -type f 2>/dev/null)" ] || die "missing bucket: files in the warehouse"
[ ! -e "$D/segments/buckett" ] || die "missing bucket: the bucket directory was created"

# --- no mappings: exit 1 naming the key
D=$WORK/nomap; mkdir -p "$D/segments/bucket"
write_config "$D"
sed -i '/^mappings:$/,$d' "$D/config.yaml"
rc=0; "$BIN" --once -config="$D/config.yaml" 2> "$D/err" || rc=$?
[ $rc = 1 ] || die "no mappings: exit $rc, want 1: $(cat "$D/err")"
grep -q 'level=fatal msg="config error" err=".*mappings is empty' "$D/err" || die "no mappings: $(cat "$D/err")"

# --- an S3 endpoint that does not answer: exit 3 with --once, naming bucket and endpoint
D=$WORK/nos3; mkdir -p "$D"
write_config "$D"
port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s|^  endpoint: file://.*|  endpoint: http://127.0.0.1:$port\n  path_style: true|" "$D/config.yaml"
rc=0
AWS_ACCESS_KEY_ID=AK AWS_SECRET_ACCESS_KEY=SK timeout 60 "$BIN" --once -config="$D/config.yaml" 2> "$D/err" || rc=$?
[ $rc = 3 ] || die "unreachable S3: exit $rc, want 3: $(cat "$D/err")"
grep -q "level=fatal .*s3.bucket \\\\\"bucket\\\\\" at s3.endpoint http://127.0.0.1:$port" "$D/err" \
  || die "unreachable S3: message: $(cat "$D/err")"

# --- a wrong namespace: warnings name the prefix, /status says so, and the
# flag clears once objects appear under the prefix
D=$WORK/wrongns; mkdir -p "$D/segments/bucket"; gen "$D/segments/bucket"
write_config "$D"
sed -i 's/^  namespace: prod$/  namespace: staging/' "$D/config.yaml"
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
KAFSCALE_METRICS_ADDR=127.0.0.1:$PORT "$BIN" -config="$D/config.yaml" 2> "$D/err" & pid=$!
status() { curl -sf "http://127.0.0.1:$PORT/status" -o "$D/status.json" 2>/dev/null; }
# status_is TOPIC-TABLE no_objects(True|False)
status_is() {
  $PY - "$D/status.json" "$1" "$2" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t = {x["table"]: x for x in s.get("tables", [])}.get(sys.argv[2])
want = sys.argv[3] == "True"
ok = t is not None and t.get("no_objects") is want
if ok and want:
    ok = t.get("note") == "no objects under staging/%s/ in bucket bucket" % sys.argv[2].split(".")[1]
if ok and not want:
    ok = "note" not in t
sys.exit(0 if ok else 1)
PY
}
for i in $(seq 1 60); do
  status && status_is shop.orders True && status_is shop.clicks True && break
  sleep 0.25
done
[ "$i" -lt 60 ] || die "wrong namespace: /status: $(cat "$D/status.json" 2>/dev/null)"
for t in orders clicks payments; do
  grep -q "level=warn msg=\"no objects under the mapped topic's prefix; check s3.namespace and the topic name\" topic=$t bucket=bucket prefix=staging/$t/" "$D/err" \
    || die "wrong namespace: no warning for $t: $(cat "$D/err")"
done
# objects appear for orders: its flag clears (partitions are listed every 10 polls)
mkdir -p "$D/segments/bucket/staging"; cp -r "$D/segments/bucket/prod/orders" "$D/segments/bucket/staging/"
for i in $(seq 1 120); do
  status && status_is shop.orders False && status_is shop.clicks True && break
  sleep 0.25
done
[ "$i" -lt 120 ] || die "objects appeared: /status: $(cat "$D/status.json" 2>/dev/null)"
kill -TERM $pid; rc=0; wait $pid || rc=$?
[ $rc = 0 ] || die "wrong namespace: SIGTERM exit $rc: $(cat "$D/err")"

[ $fail = 0 ] || exit 1
[ -n "${KEEP_LOGS:-}" ] && tail -n 4 "$WORK"/*/err && cat "$WORK/wrongns/status.json"
echo "it_noop: ok"
