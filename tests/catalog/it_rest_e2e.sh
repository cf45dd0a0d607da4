#!/usr/bin/env bash
# End to end through the REST catalog (local warehouse): the processor
# creates the namespace and tables through the test REST server (with a
# prefix from /v1/config), commits twice, and icebird + DuckDB read every
# record exactly once from the metadata files the server wrote.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/rest_lib.sh"
D=$WORK/e2e; mkdir -p "$D"
start_server "$D" --prefix "cat/one"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks,payments --partitions 2 \
  --records-per-partition 1500 --segment-bytes 40000 --codec mixed --value-bytes 120 \
  --control-every 7 --batch-records 25 --seed 5 --quiet
mkdir -p "$D/segments/bucket" "$WORK/held"
cp -r "$D/all/prod" "$D/segments/bucket/"
for p in "$D"/segments/bucket/prod/*/*/; do
  for f in $(ls "$p"*.kfs | sort | tail -1); do
    mkdir -p "$WORK/held/${p#$D/segments/}"; mv "$f" "${f%.kfs}.index" "$WORK/held/${p#$D/segments/}"
  done
done
write_rest_config "$D" "$URL"
ICEBERG_PROCESSOR_REST_DEBUG=1 "$BIN" --once -config="$D/config.yaml" 2> "$D/run1.log"
grep -q 'rest request.*GET.*/v1/config' "$D/run1.log" || { cat "$D/run1.log"; echo "no debug line"; exit 1; }
grep -q '/v1/cat/one/namespaces/shop/tables/orders' "$D/run1.log" || { echo "prefix not used"; exit 1; }
expected "$D"
for t in orders clicks payments; do rest_check_table "$D" $t shop.$t; done
cp -r "$WORK/held/bucket/prod" "$D/segments/bucket/"
"$BIN" --once -config="$D/config.yaml"
expected "$D"
for t in orders clicks payments; do rest_check_table "$D" $t shop.$t; done
# the server wrote versions 00000 (create), 00001, 00002 with a metadata-log
$PY - "$D/rest-state/catalog.json" <<'PY'
import json, sys, os
st = json.load(open(sys.argv[1]))
loc = st["tables"]["shop\x1forders"]
assert os.path.basename(loc).startswith("00002-"), loc
md = json.load(open(loc[len("file://"):]))
assert len(md["metadata-log"]) == 2 and len(md["snapshots"]) == 2, md["metadata-log"]
assert md["properties"]["write.format.default"] == "parquet", md["properties"]
print("metadata ok:", os.path.basename(loc))
PY
s=$(stats "$URL")
echo "server stats: $s"
echo "$s" | $PY -c 'import sys,json; s=json.load(sys.stdin); assert s["commits_applied"]==6 and s["creates"]==3, s; assert s["config_warehouse"].startswith("file://"), s'
echo "1 passed, 0 failed"
