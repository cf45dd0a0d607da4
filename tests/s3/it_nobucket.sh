#!/usr/bin/env bash
# A segments bucket that does not exist on the S3 server stops start-up
# with exit 1 (a config error, also in run mode: waiting does not create
# it), naming the bucket, the endpoint and S3's NoSuchBucket, before the
# catalog or the warehouse is touched. The same config with the right
# bucket runs.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/lib.sh"
D=$WORK/nb; mkdir -p "$D"
fail=0
die() { echo "FAIL: $*"; fail=1; }
s3_start segments lake
trap 's3_stop; rm -rf "$WORK"' EXIT
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 100 --segment-bytes 8000 --codec none --value-bytes 50 --seed 2 --quiet
$PY "$ROOT/tests/s3/s3sync.py" up "$D/segments/bucket" "$S3_ENDPOINT" segments > /dev/null

config() { # BUCKET
  cat > "$D/config.yaml" <<YAML
s3: {endpoint: "$S3_ENDPOINT", bucket: $1, namespace: prod, region: us-east-1, path_style: true}
iceberg:
  catalog: {type: sql, uri: "sqlite://$D/catalog.db"}
  warehouse: s3://lake/wh
offsets: {backend: local, local_path: "$D/offsets.json"}
log: {level: warn}
mappings:
  - {topic: orders, table: shop.orders, create_table_if_missing: true}
YAML
}

config segmentz
for mode in --once ""; do
  rc=0
  # shellcheck disable=SC2086
  timeout 30 "$BIN" $mode -config="$D/config.yaml" 2> "$D/err" || rc=$?
  [ $rc = 1 ] || die "missing S3 bucket ($mode): exit $rc, want 1: $(cat "$D/err")"
  grep -q "level=fatal .*segments bucket s3.bucket \\\\\"segmentz\\\\\" at s3.endpoint $S3_ENDPOINT cannot be listed: .*HTTP 404 NoSuchBucket" "$D/err" \
    || die "missing S3 bucket ($mode): message: $(cat "$D/err")"
done
[ ! -e "$D/catalog.db" ] || die "missing S3 bucket: catalog.db was created"
[ -z "$(find "$S3_DIR/lake" -type f 2>/dev/null)" ] || die "missing S3 bucket: objects in the warehouse"

config segments
rc=0; timeout 60 "$BIN" --once -config="$D/config.yaml" 2> "$D/err" || rc=$?
[ $rc = 0 ] || die "existing bucket: exit $rc: $(cat "$D/err")"

[ $fail = 0 ] || exit 1
echo "it_nobucket: ok"
