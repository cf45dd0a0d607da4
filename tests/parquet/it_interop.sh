#!/usr/bin/env bash
# Parquet interop: files written by icp_parquet (through tests/parquet/pq_gen)
# are read back by DuckDB and by arrow-rs (parquet-wasm) and compared value
# by value with what the generator says it wrote; DuckDB's parquet_schema()
# must show the field ids and parquet_metadata() must agree with the metrics
# the writer returned (tools/parquet-check.mjs).
# Cases: every type with nulls/NaN/extremes/unicode under every codec, with
# dictionary off, with v2 pages, many row groups and tiny pages, 2 MiB
# binaries, nested struct/list/map, then a property test: random schemas,
# data and writer options for many seeds (PQ_SEEDS, default 150).
# Usage: tests/parquet/it_interop.sh PATH/TO/iceberg-processor
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:?usage: it_interop.sh PATH/TO/iceberg-processor}
gen="$(dirname "$bin")/pq_gen"
[ -x "$gen" ] || { echo "it_interop: $gen not built"; exit 1; }
[ -d tools/node_modules/@duckdb/node-api ] && [ -d tools/node_modules/parquet-wasm ] ||
  { echo "it_interop: tools/node_modules missing: run scripts/bootstrap"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for c in none snappy gzip lz4_raw zstd; do
  "$gen" "$tmp" "types_$c" types 11 rows=3000 codec=$c
done
"$gen" "$tmp" types_zstd9 types 12 rows=2000 codec=zstd level=9
"$gen" "$tmp" types_nodict types 13 rows=3000 dict=0
"$gen" "$tmp" types_v2 types 14 rows=3000 v2=1
"$gen" "$tmp" types_v2_snappy types 15 rows=3000 v2=1 codec=snappy
"$gen" "$tmp" types_noindex types 16 rows=1000 index=0
"$gen" "$tmp" many_row_groups types 17 rows=30000 rg=32768 page=2048 page_rows=300
"$gen" "$tmp" one_row types 18 rows=1
"$gen" "$tmp" no_rows types 19 rows=0
"$gen" "$tmp" big_binary big 20 rows=6
"$gen" "$tmp" nested nested 21 rows=3000
"$gen" "$tmp" nested_small_pages nested 22 rows=3000 page=512 page_rows=7 rg=8192 v2=1
"$gen" "$tmp" nested_nodict nested 23 rows=2000 dict=0 codec=gzip
node tools/parquet-check.mjs "$tmp"
rm -f "$tmp"/*

for s in $(seq 1 "${PQ_SEEDS:-150}"); do
  "$gen" "$tmp" "random_$s" random "$s"
done
st=0
out=$(node tools/parquet-check.mjs "$tmp") || st=$?
echo "$out" | grep -v '^ok' || true
echo "it_interop: $(echo "$out" | grep -c '^ok') random files ok"
[ $st -eq 0 ] || { echo "it_interop: FAILED"; exit 1; }
echo "it_interop: ok"
