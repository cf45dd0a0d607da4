#!/usr/bin/env bash
# Parquet write throughput and file size, single thread, zstd: our writer
# (bench_parquet, columnar batches of the processor's 8 base columns) beside
# DuckDB writing the same rows (already in a DuckDB table; only the
# `COPY ... TO ... (COMPRESSION zstd)` is timed, SET threads=1), both best
# of 3 in the same run. Targets: ours rows/s >= DuckDB's, file size within
# 10% of DuckDB's.
# Usage: bench/run_parquet.sh BUILD_DIR [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
N=${2:-${PQ_BENCH_ROWS:-1000000}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

"$B/bench_parquet" input "$N" "$tmp/input.parquet"
ours=$("$B/bench_parquet" write "$N" 3 "$tmp/ours.parquet" zstd)
peer=$(node tools/bench-duckdb-parquet.mjs "$tmp/input.parquet" "$tmp/duckdb.parquet" 3)
in_bytes=$(echo "$ours" | field input_bytes)
os=$(echo "$ours" | field seconds); of=$(echo "$ours" | field file_bytes)
ds=$(echo "$peer" | field seconds); df=$(echo "$peer" | field file_bytes)
awk -v n="$N" -v ib="$in_bytes" -v os="$os" -v of="$of" -v ds="$ds" -v df="$df" 'BEGIN{
  printf "%-8s %10s %9s %9s %12s\n", "writer", "rows/s", "MB/s_in", "seconds", "file_bytes"
  printf "%-8s %10.0f %9.1f %9.3f %12d\n", "ours", n/os, ib/os/1e6, os, of
  printf "%-8s %10.0f %9.1f %9.3f %12d\n", "duckdb", n/ds, ib/ds/1e6, ds, df
  printf "throughput ours/duckdb = %.2fx (target >= 1.00); file size ours/duckdb = %.3f (target <= 1.10)\n", ds/os, of/df
}'
