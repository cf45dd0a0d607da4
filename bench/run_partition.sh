#!/usr/bin/env bash
# Partitioned writing against unpartitioned (issue 16), same data, same
# run: --once over 4 partitions x RECORDS typed order events spread over
# three days (icp-seggen --step-ms), local store. Tables:
#   none      unpartitioned (the peer)
#   day       partition_by [day(event_time)]                 ~4 tuples
#   bucket16  partition_by [bucket(16, customer)]            16 tuples
#   day_b16   partition_by [day(event_time), bucket(16, customer)]  ~64
#             tuples with max_open_files 16: LRU rolls
#   hour_b16  [hour(event_time), bucket(16, customer)]: ~1,150 tuples,
#             the many-tuples case (small files)
# For each: seconds (best of 3), records/s, ratio to unpartitioned, peak
# RSS, data files and tuples written.
# Usage: bench/run_partition.sh BUILD_DIR [RECORDS_PER_PARTITION]
set -euo pipefail
cd "$(dirname "$0")/.."
B=$(readlink -f "${1:-build}")
E=${2:-${PARTITION_BENCH_RECORDS:-100000}}
tmp=$(mktemp -d /tmp/icp-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
d=$tmp/p; mkdir -p "$d/segments/bucket"
# 4 x E records over about 72 hours
step=$(( 72 * 3600 * 1000 / E ))
"$B/icp-seggen" --out "$d/segments/bucket" --namespace prod --topics orders --partitions 4 \
  --records-per-partition "$E" --segment-bytes 8388608 --codec none --value-bytes 200 \
  --seed 16 --step-ms "$step" --quiet
echo "-- --once, 4 partitions x $E typed order events over 72 h (best of 3)"
printf '%-10s %8s %11s %9s %8s %7s %7s\n' table seconds records/s vs_none rss_MiB files tuples
for cfg in none day bucket16 day_b16 hour_b16; do
  case $cfg in
    none) pb='[]' ;;
    day) pb='["day(event_time)"]' ;;
    bucket16) pb='["bucket(16, customer)"]' ;;
    day_b16) pb='["day(event_time)", "bucket(16, customer)"]' ;;
    hour_b16) pb='["hour(event_time)", "bucket(16, customer)"]' ;;
  esac
  cat > "$d/config.yaml" <<YAML
s3: {endpoint: "file://$d/segments", bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: "sqlite://$d/catalog.db"}
  warehouse: "file://$d/warehouse"
offsets: {backend: local, local_path: "$d/offsets.json"}
log: {level: warn}
mappings:
  - topic: orders
    table: bench.orders
    create_table_if_missing: true
    timestamp_column: event_time
    partition_by: $pb
    schema:
      columns:
        - {name: order_id, type: long}
        - {name: status, type: string}
        - {name: amount, type: "decimal(10,2)"}
        - {name: customer, type: string}
        - {name: created_at, type: timestamptz}
YAML
  best=
  for i in 1 2 3; do
    rm -rf "$d/warehouse" "$d/catalog.db" "$d/offsets.json"
    sync
    /usr/bin/time -f '%e %M' -o "$d/time" "$B/iceberg-processor" --once -config="$d/config.yaml"
    read -r secs rss < "$d/time"
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN{exit !(a < b)}'; then
      best=$secs; best_rss=$rss
    fi
  done
  files=$(find "$d/warehouse" -name '*.parquet' | wc -l)
  tuples=$(find "$d/warehouse" -name '*.parquet' -printf '%h\n' | sort -u | wc -l)
  [ "$cfg" = none ] && none_s=$best
  awk -v t="$cfg" -v s="$best" -v n=$((4 * E)) -v z="$none_s" -v m="$best_rss" -v f="$files" -v u="$tuples" \
    'BEGIN{printf "%-10s %8.2f %11.0f %8.2fx %8.1f %7d %7d\n", t, s, n/s, z/s, m/1024, f, u}'
done
