#!/usr/bin/env bash
# Memory budget (issue 15): peak RSS against processor.memory_limit_bytes.
#   (a) 4 tables x 100 partitions (A_RECORDS records of 200 B each)
#   (b) one 1 GiB segment (one partition, B_RECORDS records of 200 B)
# Each case runs in run mode (fair turns: reads kept open between turns)
# on the local store, with commit_interval_seconds long enough that row
# groups fill, once per limit in LIMITS (MiB). The figure is the process's
# VmHWM (peak resident set) when every record is written (before the
# shutdown commit), and the seconds until then. BASELINE=path/to/an older
# iceberg-processor adds a run of it (no memory_limit_bytes key) per case.
# S3=1 adds (c): the segment of (b) and the warehouse on s3rver (read-ahead
# chunks and multipart upload parts in play).
# Usage: bench/run_memory.sh BUILD_DIR   (LIMITS="512 128", A_RECORDS=12000,
#        B_RECORDS=4300000, S3=0; segments go to a temp dir under TMPDIR,
#        deleted)
set -euo pipefail
cd "$(dirname "$0")/.."
B=$(readlink -f "${1:-build}")
LIMITS=${LIMITS:-512 128}
A_RECORDS=${A_RECORDS:-12000}
B_RECORDS=${B_RECORDS:-4300000}
PY=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/icp-bench-mem-XXXXXX")
pid=
STORE=local
cleanup() {
  [ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true
  ! type s3_stop > /dev/null 2>&1 || s3_stop
  rm -rf "$tmp"
}
trap cleanup EXIT

scrape() { curl -sf "$1/metrics" -o "$2" 2>/dev/null || : > "$2"; }
written() { # METRICS_FILE -> records written so far (all topics)
  awk '/^kafscale_processor_records_total\{.*result="written"/ {s += $2} END {printf "%d\n", s}' "$1"
}
gauge() { awk -v n="$2" '$1 == n {printf "%d\n", $2}' "$1"; }

# run CASE DIR TOPICS TOTAL BIN LIMIT_MIB(or -): one line of the table
run() {
  local name=$1 d=$2 topics=$3 total=$4 bin=$5 limit=$6 port url t0 hwm=0 n=0 secs peak
  local live=0 a m=$d/metrics.txt
  rm -rf "$d/warehouse" "$d/catalog.db" "$d/offsets.json"
  {
    if [ "$STORE" = s3 ]; then
      cat <<YAML
s3: {endpoint: "$S3_ENDPOINT", bucket: segments, namespace: prod, region: us-east-1, path_style: true}
iceberg:
  catalog: {type: sql, uri: "sqlite://$d/catalog.db"}
  warehouse: "s3://wh/run-$RANDOM$RANDOM"
YAML
    else
      cat <<YAML
s3: {endpoint: "file://$d/segments", bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: "sqlite://$d/catalog.db"}
  warehouse: "file://$d/warehouse"
YAML
    fi
    cat <<YAML
offsets: {backend: local, local_path: "$d/offsets.json"}
log: {level: warn}
processor:
  commit_interval_seconds: 3600
  poll_interval_seconds: 1
YAML
    [ "$limit" = - ] || echo "  memory_limit_bytes: $((limit << 20))"
    echo "mappings:"
    for t in ${topics//,/ }; do
      echo "  - {topic: $t, table: bench.$t, create_table_if_missing: true}"
    done
  } > "$d/config.yaml"
  port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  url=http://127.0.0.1:$port
  sync
  t0=$(date +%s%N)
  KAFSCALE_METRICS_ADDR=127.0.0.1:$port "$bin" -config="$d/config.yaml" 2> "$d/log" & pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo "$hwm")
    scrape "$url" "$m"
    n=$(written "$m")
    a=$(gauge "$m" kafscale_processor_allocated_bytes); [ "${a:-0}" -le "$live" ] || live=$a
    [ "${n:-0}" -ge "$total" ] && break
    sleep 0.5
  done
  secs=$(( ($(date +%s%N) - t0) / 1000000 ))
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo "$hwm")
  scrape "$url" "$m"
  peak=$(gauge "$m" kafscale_processor_memory_used_peak_bytes)
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
  [ "${n:-0}" -ge "$total" ] || { echo "$name: only $n of $total records written"; tail -5 "$d/log"; exit 1; }
  awk -v c="$name" -v l="$limit" -v s="$secs" -v h="$hwm" -v p="${peak:-}" -v a="$live" 'BEGIN{
    lim = (l == "-") ? "(baseline)" : l " MiB";
    pk = (p == "") ? "-" : sprintf("%.1f", p / 1048576);
    printf "%-18s %-11s %8.1f %13.1f %13.1f %12s %8s\n", c, lim, s / 1000, h / 1024,
           a / 1048576, pk, (l == "-") ? "-" : sprintf("%.2f", h / 1024 / l) }'
}

# peak_rss: VmHWM; max_alloc: the most of kafscale_processor_allocated_bytes
# seen (sampled every 0.5 s: live bytes, without allocator slack);
# budget_peak: kafscale_processor_memory_used_peak_bytes
header() { printf '%-18s %-11s %8s %13s %13s %12s %8s\n' case limit seconds peak_rss_MiB max_alloc_MiB budget_peak rss/lim; }

echo "-- (a) 4 tables x 100 partitions x $A_RECORDS records of 200 B"
da=$tmp/a; mkdir -p "$da/segments/bucket"
"$B/icp-seggen" --out "$da/segments/bucket" --namespace prod --topics t0,t1,t2,t3 \
  --partitions 100 --records-per-partition "$A_RECORDS" --segment-bytes 1M --codec none \
  --value-bytes 200 --seed 5 --quiet
echo "segments: $(du -sh "$da/segments" | cut -f1)"
header
[ -z "${BASELINE:-}" ] || run "4x100 partitions" "$da" t0,t1,t2,t3 $((400 * A_RECORDS)) "$(readlink -f "$BASELINE")" -
for l in $LIMITS; do
  run "4x100 partitions" "$da" t0,t1,t2,t3 $((400 * A_RECORDS)) "$B/iceberg-processor" "$l"
done
rm -rf "$da"

echo "-- (b) one 1 GiB segment: 1 partition x $B_RECORDS records of 200 B"
db=$tmp/b; mkdir -p "$db/segments/bucket"
"$B/icp-seggen" --out "$db/segments/bucket" --namespace prod --topics big --partitions 1 \
  --records-per-partition "$B_RECORDS" --segment-bytes 1G --codec none --value-bytes 200 \
  --seed 6 --quiet
echo "segments: $(ls -l "$db"/segments/bucket/prod/big/0/*.kfs | awk '{printf "%s %.0f MiB\n", $NF, $5 / 1048576}' | sed "s|$db/||")"
header
[ -z "${BASELINE:-}" ] || run "1 GiB segment" "$db" big "$B_RECORDS" "$(readlink -f "$BASELINE")" -
for l in $LIMITS; do
  run "1 GiB segment" "$db" big "$B_RECORDS" "$B/iceberg-processor" "$l"
done

[ "${S3:-0}" != 0 ] || exit 0
echo "-- (c) the same 1 GiB segment and the warehouse on s3rver"
. tests/s3/lib.sh
s3_start segments wh
trap cleanup EXIT
$PY tests/s3/s3sync.py up "$db/segments/bucket" "$S3_ENDPOINT" segments > /dev/null
rm -rf "$db/segments"
STORE=s3
header
[ -z "${BASELINE:-}" ] || run "1 GiB segment, S3" "$db" big "$B_RECORDS" "$(readlink -f "$BASELINE")" -
for l in $LIMITS; do
  run "1 GiB segment, S3" "$db" big "$B_RECORDS" "$B/iceberg-processor" "$l"
done
