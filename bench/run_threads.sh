#!/usr/bin/env bash
# Scaling with threads (issue 15), each figure beside DuckDB with the same
# thread count, in the same run:
#   1. Parquet write of the same rows (bench_parquet, the processor's 8
#      base columns, zstd) with processor.threads = 1, 2 and N = nproc,
#      against DuckDB's `COPY ... (COMPRESSION zstd)` with SET threads = the
#      same (best of 3; only the COPY is timed).
#   2. End to end `--once` on the local store, 4 partitions x RECORDS of
#      200 B values: threads 1 against the default (the CPUs), against
#      DuckDB's COPY of the same rows with threads=1 and threads=nproc.
# Usage: bench/run_threads.sh BUILD_DIR [PARQUET_ROWS] [E2E_RECORDS_PER_PARTITION]
set -euo pipefail
cd "$(dirname "$0")/.."
B=$(readlink -f "${1:-build}")
N=${2:-${PQ_BENCH_ROWS:-1000000}}
E=${3:-${THREADS_BENCH_RECORDS:-500000}}
CPUS=$(nproc)
tmp=$(mktemp -d /tmp/icp-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
counts=$(printf '%s\n' 1 2 "$CPUS" | sort -nu)

echo "-- Parquet write, $N rows, zstd (best of 3)"
"$B/bench_parquet" input "$N" "$tmp/input.parquet"
printf '%-8s %8s %10s %9s %10s %9s\n' threads ours_s ours_rows/s duckdb_s duck_rows/s ours/duck
for t in $counts; do
  o=$("$B/bench_parquet" write "$N" 3 "$tmp/ours.parquet" zstd 0 "$t" | field seconds)
  d=$(node tools/bench-duckdb-parquet.mjs "$tmp/input.parquet" "$tmp/duck.parquet" 3 "$t" | field seconds)
  echo "$t $o" >> "$tmp/pq"
  awk -v t="$t" -v o="$o" -v d="$d" -v n="$N" 'BEGIN{
    printf "%-8d %8.3f %10.0f %9.3f %10.0f %8.2fx\n", t, o, n/o, d, n/d, d/o }'
done
awk 'NR==1{one=$2} NR>1{printf "ours speedup threads %d vs 1: %.2fx\n", $1, one/$2}' "$tmp/pq"

echo "-- End to end --once, 4 partitions x $E records of 200 B, local store"
d=$tmp/e2e; mkdir -p "$d/segments/bucket"
"$B/icp-seggen" --out "$d/segments/bucket" --namespace prod --topics events --partitions 4 \
  --records-per-partition "$E" --segment-bytes 10485760 --codec none --value-bytes 200 \
  --seed 9 --quiet
printf '%-8s %9s %9s\n' threads seconds rss_MiB
for t in 1 default; do
  rm -rf "$d/warehouse" "$d/catalog.db" "$d/offsets.json"
  {
    cat <<YAML
s3: {endpoint: "file://$d/segments", bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: "sqlite://$d/catalog.db"}
  warehouse: "file://$d/warehouse"
offsets: {backend: local, local_path: "$d/offsets.json"}
log: {level: warn}
mappings:
  - {topic: events, table: bench.events, create_table_if_missing: true}
YAML
    [ "$t" = default ] || echo "processor: {threads: $t}"
  } > "$d/config.yaml"
  sync
  /usr/bin/time -f '%e %M' -o "$d/time" "$B/iceberg-processor" --once -config="$d/config.yaml"
  read -r secs rss < "$d/time"
  awk -v t="$t" -v s="$secs" -v m="$rss" 'BEGIN{printf "%-8s %9.2f %9.1f\n", t, s, m/1024}'
  echo "$t $secs" >> "$tmp/e2e_times"
done
for t in 1 "$CPUS"; do
  ds=$(node tools/bench-duckdb-parquet.mjs "$d/warehouse/bench/events/data/*.parquet" \
       "$tmp/duck.parquet" 1 "$t" | field seconds)
  echo "duckdb COPY of the same rows to zstd Parquet, threads=$t: $ds s"
  echo "$t $ds" >> "$tmp/duck"
done
awk 'FNR==NR{o[NR]=$2; next} {d[FNR]=$2} END{
  printf "end to end: threads 1 / default = %.2fx faster with the default\n", o[1]/o[2]
  printf "ours threads=1 vs DuckDB threads=1: %.2fx DuckDB throughput\n", d[1]/o[1]
  printf "ours default vs DuckDB threads=nproc: %.2fx DuckDB throughput\n", d[2]/o[2] }' \
  "$tmp/e2e_times" "$tmp/duck"
