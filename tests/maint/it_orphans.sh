#!/usr/bin/env bash
# Orphan removal (icp_maint_remove_orphans through tests/maint/
# orphans_tool.c) with the warehouse on S3 (s3rver behind the
# signature-checking proxy), once with the REST catalog and once with the
# SQLite catalog:
#   - 4 --once runs make a table of 4 snapshots;
#   - planted beside its files: three old orphans (a data file, a
#     manifest, a metadata file no log names), one in a sibling prefix
#     (<table>x/, outside the table), and after that a fresh orphan;
#   - ages: s3rver reports an object's LastModified from the mtime of the
#     file it stores it in (<dir>/<bucket>/<key>._S3rver_object), so every
#     object is made 10 days old with touch, and the fresh orphan is
#     uploaded afterwards; with the default minimum age (3 days) the
#     outcome does not depend on timing (no sleeps);
#   - a dry run counts and deletes nothing; the pass deletes exactly the
#     three old orphans, keeps the fresh one (too young) and the sibling,
#     and every file the metadata reaches (every snapshot's list,
#     manifests and data files, read with python3-avro; every
#     metadata-log file) is still in the bucket;
#   - icebird + DuckDB read the table exactly (row for row), and the next
#     --once continues exactly.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/../catalog/rest_lib.sh"
source "$(dirname "$0")/../s3/lib.sh"
TOOL=$(dirname "$BIN")/orphans_tool
MIN_AGE_MS=259200000
s3_start segments-rest segments-sql wh
trap 's3_stop; cleanup_rest' EXIT  # after s3_start, which sets its own
s3_proxy_start 0 1

"$SEGGEN" --out "$WORK/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 60 --segment-bytes 1200 --batch-records 4 --codec none \
  --value-bytes 20 --seed 5 --quiet
SEGS=($(ls "$WORK/all/prod/orders/0" | grep '\.kfs$' | sort))
[ ${#SEGS[@]} -ge 6 ] || { echo "FAIL: only ${#SEGS[@]} segments"; exit 1; }

scenario() { # CATALOG (rest|sql)
  local cat=$1 D=$WORK/$1 i url file tkey uri
  mkdir -p "$D/segments/bucket/prod/orders/0"
  if [ "$cat" = rest ]; then
    start_server "$D" --warehouse s3://wh/rest --s3-endpoint "$S3_ENDPOINT"
    MAPPINGS='  - {topic: orders, table: shop.orders, create_table_if_missing: true}' write_rest_config "$D" "$URL"
    uri=$URL
  else
    write_config "$D"
    uri=sqlite://$D/catalog.db
  fi
  $PY - "$D/config.yaml" "$S3_PROXY_ENDPOINT" "$cat" <<'PY'
import sys, re
p, ep, cat = sys.argv[1], sys.argv[2], sys.argv[3]
s = open(p).read()
s = re.sub(r"s3:\n  endpoint: .*\n  bucket: bucket\n",
           's3:\n  endpoint: "%s"\n  bucket: segments-%s\n  region: us-east-1\n  path_style: true\n' % (ep, cat), s)
s = re.sub(r"  warehouse: file://.*", "  warehouse: s3://wh/%s" % cat, s)
open(p, "w").write(s)
PY
  run() { # FIRST LAST: release segments FIRST..LAST, upload, --once
    local j s
    for j in $(seq "$1" "$2"); do
      s=${SEGS[$j]}
      cp "$WORK/all/prod/orders/0/$s" "$WORK/all/prod/orders/0/${s%.kfs}.index" "$D/segments/bucket/prod/orders/0/"
    done
    $PY "$ROOT/tests/s3/s3sync.py" up "$D/segments/bucket" "$S3_ENDPOINT" "segments-$cat" > /dev/null
    "$BIN" --once -config="$D/config.yaml" 2> "$D/log-$1" || { cat "$D/log-$1"; echo "FAIL: $cat: run $1"; exit 1; }
  }
  where() { # -> "table_url metadata_file"
    if [ "$cat" = rest ]; then rest_metadata_of "$D" shop.orders; else metadata_of "$D" shop.orders; fi
  }
  for i in 0 1 2 3; do run "$i" "$i"; done
  read -r url file < <(where)
  case $url in s3://wh/$cat/*) ;; *) echo "FAIL: $cat: table at $url, not on S3"; exit 1;; esac
  tkey=${url#s3://wh/}

  # plant the old orphans (and one beside the table), age everything
  mkdir -p "$D/plant/$tkey/data" "$D/plant/$tkey/metadata" "$D/plant/${tkey}x/data"
  printf 'PAR1-old-orphan' > "$D/plant/$tkey/data/old-orphan.parquet"
  printf 'Obj\001old' > "$D/plant/$tkey/metadata/old-orphan-m.avro"
  printf '{}' > "$D/plant/$tkey/metadata/00042-0d0d0d0d.metadata.json"
  printf 'PAR1' > "$D/plant/${tkey}x/data/sibling.parquet"
  $PY "$ROOT/tests/s3/s3sync.py" up "$D/plant" "$S3_ENDPOINT" wh > /dev/null
  find "$S3_DIR/wh" -name '*._S3rver_object' -exec touch -d '10 days ago' {} +
  mkdir -p "$D/fresh/$tkey/data"
  printf 'PAR1-fresh' > "$D/fresh/$tkey/data/fresh-orphan.parquet"
  $PY "$ROOT/tests/s3/s3sync.py" up "$D/fresh" "$S3_ENDPOINT" wh > /dev/null

  rm -rf "$D/dl0"
  $PY "$ROOT/tests/s3/s3sync.py" down "$S3_ENDPOINT" wh "$D/dl0/wh" > /dev/null
  EXPIRE_S3_ENDPOINT=$S3_PROXY_ENDPOINT S3_REGION=us-east-1 \
    "$TOOL" "$cat" "$uri" "s3://wh/$cat" shop orders $MIN_AGE_MS dry > "$D/dry.json" 2> "$D/tool.log" \
    || { cat "$D/tool.log"; echo "FAIL: $cat: dry run"; exit 1; }
  rm -rf "$D/dl1"
  $PY "$ROOT/tests/s3/s3sync.py" down "$S3_ENDPOINT" wh "$D/dl1/wh" > /dev/null
  diff -r "$D/dl0" "$D/dl1" > /dev/null || { echo "FAIL: $cat: the dry run changed the bucket"; exit 1; }
  EXPIRE_S3_ENDPOINT=$S3_PROXY_ENDPOINT S3_REGION=us-east-1 \
    "$TOOL" "$cat" "$uri" "s3://wh/$cat" shop orders $MIN_AGE_MS > "$D/result.json" 2> "$D/tool.log" \
    || { cat "$D/tool.log"; echo "FAIL: $cat: orphan removal"; exit 1; }

  rm -rf "$D/dl"
  $PY "$ROOT/tests/s3/s3sync.py" down "$S3_ENDPOINT" wh "$D/dl/wh" > /dev/null
  REACH_S3_ROOT=$D/dl $PY "$ROOT/tests/maint/reach.py" "$D/dl/${url#s3://}/metadata/$file" > "$D/reach.json"
  $PY - "$D/dry.json" "$D/result.json" "$D/reach.json" "$D/dl" "$D/dl/${url#s3://}" \
    "$D/dl/${url#s3://}/metadata/$file" "$cat" <<'PY' || exit 1
import json, os, sys
dry, res, reach = (json.load(open(p)) for p in sys.argv[1:4])
dl, table, meta, cat = sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
for r in (dry, res):
    assert r["found"] == 4 and r["deleted"] == 3 and r["too_young"] == 1, (cat, r)
    assert r["failures"] == 0 and r["unsure"] == 0 and r["refs_outside"] == 0, (cat, r)
    assert r["bytes"] == len("PAR1-old-orphan") + len("Obj\1old") + 2, (cat, r)
gone = ["data/old-orphan.parquet", "metadata/old-orphan-m.avro",
        "metadata/00042-0d0d0d0d.metadata.json"]
for g in gone:
    assert not os.path.exists(os.path.join(table, g)), (cat, "still there", g)
assert os.path.exists(os.path.join(table, "data/fresh-orphan.parquet")), (cat, "fresh one gone")
assert os.path.exists(table + "x/data/sibling.parquet"), (cat, "sibling gone")
reached = set(f for fs in reach["snapshots"].values() for f in fs)
assert len(reach["snapshots"]) == 4 and len(reached) >= 12, (cat, reach)
m = json.load(open(meta))
for e in m.get("metadata-log", []):
    reached.add(dl + "/" + e["metadata-file"][len("s3://"):])
assert len(m.get("metadata-log", [])) >= 4, (cat, "metadata-log", m.get("metadata-log"))
for f in sorted(reached):
    assert os.path.exists(f), (cat, "a reachable file was deleted", f)
files = sum(len(fs) for _, _, fs in os.walk(table))
# what is left: the reachable files, the current metadata, the fresh one
assert files == len(reached) + 2, (cat, files, len(reached))
print("%s: listed %d, deleted %d, kept %d reachable" % (cat, res["listed"], res["deleted"], len(reached)))
PY
  [ "$(s3_proxy_count sig_rejected)" = 0 ] || { echo "FAIL: $cat: signatures rejected"; exit 1; }
  expected "$D"
  ICEBERG_CHECK_S3_ROOT=$D/dl node "$ROOT/tools/iceberg-check.mjs" "$url" "$file" "$D/expected-orders.jsonl" \
    > "$D/check1" || { cat "$D/check1"; echo "FAIL: $cat: table after orphan removal"; exit 1; }
  # the next run continues exactly
  run 4 $((${#SEGS[@]} - 1))
  read -r url file < <(where)
  rm -rf "$D/dl"
  $PY "$ROOT/tests/s3/s3sync.py" down "$S3_ENDPOINT" wh "$D/dl/wh" > /dev/null
  expected "$D"
  ICEBERG_CHECK_S3_ROOT=$D/dl node "$ROOT/tools/iceberg-check.mjs" "$url" "$file" "$D/expected-orders.jsonl" \
    > "$D/check2" || { cat "$D/check2"; echo "FAIL: $cat: table after the next run"; exit 1; }
}

scenario rest
scenario sql
echo "it_orphans: ok"
