#!/usr/bin/env bash
# LFS with the blobs in the S3 test server: segments in bucket "segments",
# blobs in bucket "blobs", fetched through the signature-checking proxy by
# 3 parallel fetch threads (one S3 connection each); resolve mode with
# checksum validation writes exactly the expected table.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/../s3/lib.sh"
D=$WORK/lfs3; mkdir -p "$D"
s3_start segments blobs
trap 's3_stop; rm -rf "$WORK"' EXIT
s3_proxy_start 0 1
$PY "$ROOT/tests/lfs/gen_lfs.py" "$D"
$PY "$ROOT/tests/s3/s3sync.py" up "$D/segments/bucket" "$S3_ENDPOINT" segments > /dev/null
$PY "$ROOT/tests/s3/s3sync.py" up "$D/segments/blobs" "$S3_ENDPOINT" blobs > /dev/null
cat > "$D/config.yaml" <<YAML
s3: {endpoint: "$S3_PROXY_ENDPOINT", bucket: segments, namespace: prod, region: us-east-1, path_style: true}
iceberg:
  catalog: {type: sql, uri: sqlite://$D/catalog.db}
  warehouse: file://$D/warehouse
offsets: {backend: local, local_path: $D/offsets.json}
log: {level: warn}
mappings:
  - topic: docs
    table: lfs.docs
    create_table_if_missing: true
    lfs: {mode: resolve, max_inline_size: 4096, validate_checksum: true, resolve_concurrency: 3}
YAML
"$BIN" --once -config="$D/config.yaml" 2> "$D/log" || { cat "$D/log"; exit 1; }
[ "$(s3_proxy_count sig_rejected)" = 0 ] || { echo "signatures rejected"; exit 1; }
cp "$D/expected-resolve.jsonl" "$D/expected-docs.jsonl"
check_table "$D" docs lfs.docs > "$D/check" || { cat "$D/check"; exit 1; }
cat "$S3_PROXY_COUNTS" > "$D/counts.json"
read -r n h r < <($PY -c 'import json,sys; b=json.load(open(sys.argv[1]))["by_bucket"]["blobs"]; print(b.get("GET object",0), b.get("HEAD",0), b.get("GET range",0))' "$S3_PROXY_COUNTS")
echo "LFS on S3: resolve mode exact; blob requests: $n GET, $h HEAD, $r ranged GET"
[ "$n" -ge 20 ] || { echo "too few blob GETs: $n"; exit 1; }
# One request per blob: no HEAD or ranged GET before it.
[ "$h" = 0 ] && [ "$r" = 0 ] || { echo "blob fetch is not a single GET"; exit 1; }
echo "1 passed, 0 failed"
