#!/usr/bin/env bash
# End to end through the REST catalog with everything on S3: segments in an
# S3 bucket, the warehouse at s3://wh/lake (data files and manifests written
# by the processor, metadata JSON written by the catalog server, both through
# s3rver; the processor's requests go through the signature-checking proxy).
# The warehouse is downloaded and every table read back by icebird + DuckDB.
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
echo "1 passed, 0 failed"
