#!/usr/bin/env bash
# Transactions under read_committed, against read_uncommitted on the same
# segments in the same run (the peer: no transaction bookkeeping at all).
#   short: a marker every 5 batches of 50 records (250-record transactions,
#          the queue path: kept as raw bytes until the marker, then written);
#   long:  one transaction over all RECORDS records, its COMMIT marker at the
#          very end (far past processor.transaction_buffer_bytes: the scan +
#          re-read path), to show time and peak RSS of a long-open
#          transaction;
#   open:  the same without its marker (nothing may be written; the scan
#          must not hold the records).
# Figures: seconds, peak RSS, rows written. Targets: peak RSS of `long`
# and `open` about that of read_uncommitted (memory does not grow with the
# transaction); `long` at most ~2x read_uncommitted's time (one scan of
# batch headers and one re-read).
# Usage: bench/run_txn.sh BUILD_DIR [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
B=$(readlink -f "${1:-build}")
N=${2:-${TXN_BENCH_RECORDS:-2000000}}
tmp=$(mktemp -d /tmp/icp-bench-txn-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

gen() { # DIR CONTROL_EVERY BATCH_RECORDS [--close-transactions]
  mkdir -p "$1/segments/bucket"
  "$B/icp-seggen" --out "$1/segments/bucket" --namespace prod --topics events --partitions 1 \
    --records-per-partition "$N" --segment-bytes 64M --codec zstd --value-bytes 200 \
    --batch-records "$3" --control-every "$2" ${4:-} --seed 9 --quiet
}
run() { # DIR ISOLATION -> "secs rss_kib rows"
  local d=$1 iso=$2 meta
  rm -rf "$d/warehouse" "$d/catalog.db" "$d/offsets.json"
  cat > "$d/config.yaml" <<YAML
s3: {endpoint: "file://$d/segments", bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: "sqlite://$d/catalog.db"}
  warehouse: "file://$d/warehouse"
offsets: {backend: local, local_path: "$d/offsets.json"}
processor: {isolation_level: $iso}
log: {level: warn}
mappings:
  - {topic: events, table: bench.events, create_table_if_missing: true}
YAML
  sync
  /usr/bin/time -f '%e %M' -o "$d/time" "$B/iceberg-processor" --once -config="$d/config.yaml" 2>"$d/log" || true
  meta=$(sqlite3 "$d/catalog.db" "select metadata_location from iceberg_tables" | head -1)
  rows=$(/usr/bin/python3 -c 'import json,sys
m = json.load(open(sys.argv[1]))
s = [x for x in m.get("snapshots", []) if x["snapshot-id"] == m.get("current-snapshot-id")]
print(s[0]["summary"]["total-records"] if s else 0)' "${meta#file://}")
  echo "$(cat "$d/time") $rows"
}

gen "$tmp/short" 5 50 --close-transactions
gen "$tmp/long" 1000000 500 --close-transactions
gen "$tmp/open" 1000000 500

printf '%-6s %-17s %8s %9s %9s\n' case isolation seconds rss_MiB rows
for c in short long open; do
  for iso in read_uncommitted read_committed; do
    read -r s m r < <(run "$tmp/$c" $iso)
    printf '%-6s %-17s %8.2f %9.1f %9d\n' $c $iso "$s" "$(echo "$m/1024" | bc -l)" "$r"
    echo "$c $iso $s $m $r" >> "$tmp/res"
  done
done
awk '{t[$1" "$2]=$3; m[$1" "$2]=$4} END {
  for (c in t) ;
  split("short long open", cs, " ")
  for (i = 1; i <= 3; i++) { c = cs[i]
    printf "%s: read_committed / read_uncommitted = %.2fx time, %.2fx peak RSS\n", c,
      t[c" read_committed"]/t[c" read_uncommitted"], m[c" read_committed"]/m[c" read_uncommitted"] } }' "$tmp/res"
