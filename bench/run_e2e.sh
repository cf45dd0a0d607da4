#!/usr/bin/env bash
# End to end on local storage, single worker: segment bytes -> committed
# Iceberg table (decode, Parquet zstd, manifests, SQLite commit), with peak
# RSS, for the same ~1 GiB of records cut into 10 MiB segments and into one
# 1 GiB segment. Peers in the same run on the same data:
#   - `iceberg-processor dump-segment` over the segments (decode + print);
#   - DuckDB writing the same rows, already in a DuckDB table, to zstd
#     Parquet with SET threads=1 (only the COPY is timed).
# Targets: our whole path at least as fast as DuckDB's Parquet write alone;
# peak RSS independent of segment size.
# Usage: bench/run_e2e.sh BUILD_DIR [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
B=$(readlink -f "${1:-build}")
N=${2:-${E2E_BENCH_RECORDS:-4000000}}
tmp=$(mktemp -d /tmp/icp-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf '%-10s %9s %12s %10s %9s %9s %10s\n' layout segments seg_bytes records seconds "MB/s" rss_MiB
for layout in 10MiB 1GiB; do
  d=$tmp/$layout; mkdir -p "$d/segments/bucket"
  size=$([ $layout = 10MiB ] && echo 10485760 || echo 1900M)
  "$B/icp-seggen" --out "$d/segments/bucket" --namespace prod --topics events --partitions 1 \
    --records-per-partition "$N" --segment-bytes "$size" --codec none --value-bytes 200 --seed 9 --quiet
  cat > "$d/config.yaml" <<YAML
s3: {endpoint: "file://$d/segments", bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: "sqlite://$d/catalog.db"}
  warehouse: "file://$d/warehouse"
offsets: {backend: local, local_path: "$d/offsets.json"}
log: {level: warn}
mappings:
  - {topic: events, table: bench.events, create_table_if_missing: true}
YAML
  bytes=$(find "$d/segments" -name '*.kfs' -printf '%s\n' | awk '{s+=$1} END {print s}')
  nseg=$(find "$d/segments" -name '*.kfs' | wc -l)
  sync
  /usr/bin/time -f '%e %M' -o "$d/time" "$B/iceberg-processor" --once -config="$d/config.yaml"
  read -r secs rss < "$d/time"
  awk -v l=$layout -v n=$nseg -v b=$bytes -v r=$N -v s=$secs -v m=$rss 'BEGIN{
    printf "%-10s %9d %12d %10d %9.2f %9.1f %10.1f\n", l, n, b, r, s, b/s/1e6, m/1024 }'
  echo "$layout $secs $bytes" >> "$tmp/ours"
done
# peers on the 10 MiB layout's data
d=$tmp/10MiB
s=$(date +%s%N)
for f in $(find "$d/segments" -name '*.kfs' | sort); do "$B/iceberg-processor" dump-segment "$f" > /dev/null; done
dump=$(awk -v ns=$(( $(date +%s%N) - s )) 'BEGIN{printf "%.2f", ns/1e9}')
duck=$(node tools/bench-duckdb-parquet.mjs "$d/warehouse/bench/events/data/*.parquet" "$tmp/duck.parquet" 1)
ds=$(echo "$duck" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
read -r _ os bytes < <(head -1 "$tmp/ours")
echo "dump-segment (decode + JSON) over the same segments: ${dump} s"
echo "DuckDB COPY of the same $N rows to zstd Parquet (threads=1): ${ds} s"
awk -v o="$os" -v d="$ds" -v u="$dump" 'BEGIN{
  printf "ours end to end / DuckDB Parquet write alone = %.2fx time (target <= 1.00)\n", o/d
  printf "ours end to end / dump-segment = %.2fx time\n", o/u }'
