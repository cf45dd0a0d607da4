#!/usr/bin/env bash
# Compaction with the warehouse on S3 (s3rver behind the signature-checking
# proxy) and the REST catalog: 8 --once runs make 8 small files; the
# compaction reads them with ranged GETs, writes the output (multipart or
# PUT), the manifests and the list to the bucket and commits a replace;
# the downloaded warehouse is checked with python3-avro (DELETED entries,
# kafscale.offsets kept), icebird + DuckDB read the table exactly, and the
# next --once continues exactly.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/../catalog/rest_lib.sh"
source "$(dirname "$0")/../s3/lib.sh"
TOOL=$(dirname "$BIN")/compact_tool
D=$WORK/compact-s3; mkdir -p "$D/all" "$D/segments/bucket/prod/orders/0"
s3_start segments wh
trap 's3_stop; cleanup_rest' EXIT  # after s3_start, which sets its own
s3_proxy_start 0 1
start_server "$D" --warehouse s3://wh/lake --s3-endpoint "$S3_ENDPOINT"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 100 --segment-bytes 1200 --batch-records 4 --codec none \
  --value-bytes 20 --seed 13 --quiet
SEGS=($(ls "$D/all/prod/orders/0" | grep '\.kfs$' | sort))
[ ${#SEGS[@]} -ge 10 ] || { echo "FAIL: only ${#SEGS[@]} segments"; exit 1; }
MAPPINGS='  - {topic: orders, table: shop.orders, create_table_if_missing: true}' write_rest_config "$D" "$URL"
$PY - "$D/config.yaml" "$S3_PROXY_ENDPOINT" <<'PY'
import sys, re
p, ep = sys.argv[1], sys.argv[2]
s = open(p).read()
s = re.sub(r"s3:\n  endpoint: .*\n  bucket: bucket\n",
           's3:\n  endpoint: "%s"\n  bucket: segments\n  region: us-east-1\n  path_style: true\n' % ep, s)
s = re.sub(r"  warehouse: file://.*", "  warehouse: s3://wh/lake", s)
open(p, "w").write(s)
PY
run() { # FIRST LAST: release segments FIRST..LAST (0-based), upload, --once
  local i s
  for i in $(seq "$1" "$2"); do
    s=${SEGS[$i]}
    cp "$D/all/prod/orders/0/$s" "$D/all/prod/orders/0/${s%.kfs}.index" "$D/segments/bucket/prod/orders/0/"
  done
  $PY "$ROOT/tests/s3/s3sync.py" up "$D/segments/bucket" "$S3_ENDPOINT" segments > /dev/null
  "$BIN" --once -config="$D/config.yaml" 2> "$D/log-$1" || { cat "$D/log-$1"; echo "FAIL: run $1"; exit 1; }
}
for i in $(seq 0 7); do run "$i" "$i"; done
live() { # -> the downloaded warehouse in $D/dl, the live files of main
  rm -rf "$D/dl"
  $PY "$ROOT/tests/s3/s3sync.py" down "$S3_ENDPOINT" wh "$D/dl/wh" > /dev/null
  read -r url file < <(rest_metadata_of "$D" shop.orders)
  case $url in s3://wh/lake/*) ;; *) echo "FAIL: table at $url, not on S3"; exit 1;; esac
  META=$D/dl/${url#s3://}/metadata/$file
  COMPACT_S3_ROOT=$D/dl $PY "$ROOT/tests/maint/compact_check.py" live "$META"
}
live > "$D/before.json"
EXPIRE_S3_ENDPOINT=$S3_PROXY_ENDPOINT S3_REGION=us-east-1 \
  "$TOOL" rest "$URL" s3://wh/lake shop orders 1048576 5 > "$D/result.json" 2> "$D/tool.log" \
  || { cat "$D/tool.log"; echo "FAIL: compaction on S3"; exit 1; }
cat "$D/result.json"
live > "$D/after.json"
COMPACT_S3_ROOT=$D/dl $PY "$ROOT/tests/maint/compact_check.py" check "$D/before.json" "$D/after.json" \
  "$META" 5 1048576 || exit 1
$PY -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["files_in"] == 8 and r["files_out"] == 1 and r["attempts"] == 1, r' \
  "$D/result.json" || exit 1
[ "$(s3_proxy_count sig_rejected)" = 0 ] || { echo "FAIL: signatures rejected"; exit 1; }
expected "$D"
read -r url file < <(rest_metadata_of "$D" shop.orders)
ICEBERG_CHECK_S3_ROOT=$D/dl node "$ROOT/tools/iceberg-check.mjs" "$url" "$file" "$D/expected-orders.jsonl" \
  > "$D/check1" || { cat "$D/check1"; echo "FAIL: table after compaction"; exit 1; }

rm -f "$D/state/offsets.json"
run 8 $((${#SEGS[@]} - 1))
live > /dev/null
expected "$D"
read -r url file < <(rest_metadata_of "$D" shop.orders)
ICEBERG_CHECK_S3_ROOT=$D/dl node "$ROOT/tools/iceberg-check.mjs" "$url" "$file" "$D/expected-orders.jsonl" \
  > "$D/check2" || { cat "$D/check2"; echo "FAIL: table after the next run"; exit 1; }
echo "it_compact_s3: ok"
