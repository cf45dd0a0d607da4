#!/usr/bin/env bash
# Binary formats end to end (issue 18): the same logical order records
# (ids, int, double, decimal(12,2), timestamp, date, enum, a customer
# struct with a nested address struct, a list of line-item structs, a
# map<string,string>, optional fields) ingested by `iceberg-processor
# --once` as
#   json   JSON values through mapping columns (schema.columns),
#   avro   Avro in the Confluent wire format (schema.source confluent),
#   proto  Protobuf in the Confluent wire format (+ message indexes),
# from segments cut with the same icp-seggen options (partitions, segment
# size, batches, codec zstd, seed). The peer is the JSON run, measured in
# the same run: each format runs RUNS times in turn (json avro proto json
# ...), every run from an empty warehouse, catalog and offsets file, and
# the median wall time gives records/s and MB/s (of segment bytes and of
# value bytes); the ratios are the medians of the turns' ratios (wall, and
# user + sys CPU seconds). Target: avro/json and proto/json records/s >=
# 1.0x. The table keeps each record's raw value (the base column value):
# JSON's larger values cost more zstd work there and in the segments.
#
# The values: bench/formats/gen_orders.py writes POOL distinct records in
# the three forms, cut in three slices written with schema versions 1, 2
# and 3 (each adds an optional field), so the binary values carry three
# schema ids; tools/sr-produce.mjs registers the versions in the test
# registry (tests/registry/sr_server.py) and encodes them with an
# independent serializer (@kafkajs/confluent-schema-registry); icp-seggen
# gives record i of each partition pool value i % POOL. The tables'
# columns come from the subject's latest version (3). JSON writes the
# timestamp as epoch milliseconds (the mapping's default, its cheapest
# form), the date as "YYYY-MM-DD" and the decimal as a number; Protobuf has
# no decimal or date: a string amount and an int32 of days.
#
# Schema lookups: the registry's counters (GET /_admin/stats) are reset
# before each run; after the last avro and proto runs the lookups by id
# and of the latest version are printed per 1M records: a constant per
# run (one per distinct id, two for Protobuf: the text, then the
# descriptor), whatever N. The test registry answers a request in about
# 40 ms on loopback (headers and body in two writes, Nagle), which adds a
# few tenths of a second to each avro and proto run.
# Correctness, cheaply: after the last run of each format DuckDB reads the
# table's live files (tests/processor/live_files.py): count(*) = N, and a
# fingerprint of the values (sums of the numbers, the times, items' qty,
# map sizes, string lengths; counts of the optional fields) equal in the
# three.
# Usage: bench/run_formats.sh BUILD_DIR [RECORDS]
#   env FORMATS_BENCH_RECORDS (1000000), FORMATS_BENCH_POOL (50000),
#   FORMATS_BENCH_RUNS (5), BENCH_KEEP=1 keeps the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
B=$(readlink -f "${1:-build}")
N=${2:-${FORMATS_BENCH_RECORDS:-1000000}}
POOL=${FORMATS_BENCH_POOL:-50000}
RUNS=${FORMATS_BENCH_RUNS:-5}
PARTS=4
PY=/usr/bin/python3
(( N % PARTS == 0 )) || { echo "RECORDS must be a multiple of $PARTS" >&2; exit 2; }
(( POOL <= N / PARTS )) || POOL=$((N / PARTS)) # every version in every partition
tmp=$(mktemp -d /tmp/icp-bench-formats-XXXXXX)
SR_PID=
cleanup() {
  [ -z "$SR_PID" ] || { kill "$SR_PID" 2>/dev/null || true; wait "$SR_PID" 2>/dev/null || true; }
  [ -n "${BENCH_KEEP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT
export KAFSCALE_METRICS_ADDR=127.0.0.1:0

# ---- registry, values, segments (once)
$PY tests/registry/sr_server.py --port 0 --port-file "$tmp/sr.port" --state "$tmp/sr.json" \
  2> "$tmp/sr.log" &
SR_PID=$!
for _ in $(seq 100); do [ -s "$tmp/sr.port" ] && break; sleep 0.05; done
[ -s "$tmp/sr.port" ] || { cat "$tmp/sr.log" >&2; echo "registry did not start" >&2; exit 1; }
URL=http://127.0.0.1:$(cat "$tmp/sr.port")
sr() { # PATH [POST]
  $PY - "$URL$1" "${2:-}" <<'PY'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=b"{}" if sys.argv[2] else None,
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}

v=$tmp/values; mkdir -p "$v"
$PY bench/formats/gen_orders.py "$v" "$POOL" 3
for f in avro proto; do
  type=$([ $f = avro ] && echo AVRO || echo PROTOBUF)
  ext=$([ $f = avro ] && echo avsc || echo proto)
  : > "$v/$f.hex"
  for k in 1 2 3; do
    node tools/sr-produce.mjs --registry "$URL" --subject "orders_$f-value" --type $type \
      --schema "$v/order-v$k.$ext" --in "$v/$f-v$k.jsonl" --out "$v/$f-v$k.hex" > "$v/$f-v$k.id"
    cat "$v/$f-v$k.hex" >> "$v/$f.hex"
  done
done
for f in json avro proto; do
  src=$v/$f.hex; opt=--value-hex
  [ $f = json ] && { src=$v/json.jsonl; opt=--value-json; }
  mkdir -p "$tmp/$f/segments/bucket"
  "$B/icp-seggen" --out "$tmp/$f/segments/bucket" --namespace prod --topics "orders_$f" \
    --partitions $PARTS --records-per-partition $((N / PARTS)) --codec zstd --seed 18 \
    $opt "$src" --quiet
  # value bytes of the N records (record i of a partition is line i % POOL)
  awk -v f=$f -v per=$((N / PARTS)) -v parts=$PARTS '
    { len[NR - 1] = (f == "json") ? length($0) : length($0) / 2 }
    END { n = NR; s = 0; for (i = 0; i < per; i++) s += len[i % n]; printf "%d\n", s * parts }' \
    "$src" > "$tmp/$f/value_bytes"
  find "$tmp/$f/segments" -name '*.kfs' -printf '%s\n' | awk '{s += $1} END {print s}' > "$tmp/$f/seg_bytes"
done

COLS='[{name: order_id, type: long}, {name: qty, type: int}, {name: price, type: double},
  {name: amount, type: "decimal(12,2)"}, {name: created_at, type: timestamptz},
  {name: order_date, type: date}, {name: status, type: string},
  {name: customer, type: "struct<id:long,name:string,email:string,address:struct<street:string,city:string,zip:string,country:string>>"},
  {name: items, type: "list<struct<sku:string,qty:int,price:double>>"},
  {name: attributes, type: "map<string,string>"},
  {name: note, type: string}, {name: channel, type: string}, {name: coupon, type: string}]'
for f in json avro proto; do
  d=$tmp/$f
  if [ $f = json ]; then schema="{columns: $(echo $COLS)}"; else schema="{source: confluent}"; fi
  cat > "$d/config.yaml" <<YAML
s3: {endpoint: "file://$d/segments", bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: "sqlite://$d/run/catalog.db"}
  warehouse: "file://$d/run/warehouse"
offsets: {backend: local, local_path: "$d/run/offsets.json"}
schema:
  confluent: {url: "$URL"}
log: {level: warn}
mappings:
  - topic: orders_$f
    table: bench.orders_$f
    create_table_if_missing: true
    schema: $schema
YAML
done

# ---- the runs
run() { # FORMAT REP
  local d=$tmp/$1
  rm -rf "$d/run"; mkdir -p "$d/run"
  sr /_admin/reset post > /dev/null
  sync
  /usr/bin/time -f '%e %U %S %M' -o "$d/time" \
    "$B/iceberg-processor" --once -config="$d/config.yaml" 2> "$d/run.log" ||
    { tail -20 "$d/run.log" >&2; echo "$1 run $2 failed" >&2; exit 1; }
  if grep -q 'invalid record' "$d/run.log"; then
    grep -m3 'invalid record' "$d/run.log" >&2; echo "$1: invalid records" >&2; exit 1
  fi
  echo "$(cat "$d/time")" >> "$d/times"
  [ $1 = json ] || sr /_admin/stats > "$d/stats.json"
}
for ((r = 1; r <= RUNS; r++)); do
  for f in json avro proto; do run $f $r; done
done

# ---- correctness: the last run of each format
fp() { # FORMAT -> one line of figures
  local d=$tmp/$1 meta list
  meta=$($PY - "$d/run/catalog.db" "bench" "orders_$1" <<'PY'
import sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(
    "SELECT metadata_location FROM iceberg_tables WHERE table_namespace=? AND table_name=?",
    (sys.argv[2], sys.argv[3])).fetchone()
print(row[0][len("file://"):] if row[0].startswith("file://") else row[0])
PY
)
  list=$($PY tests/processor/live_files.py "$meta")
  [ -n "$list" ] || { echo "$1: no live files" >&2; exit 1; }
  # Protobuf has no date type: its order_date is an int32 of days
  days="date_diff('day', DATE '1970-01-01', order_date)"
  [ $1 = proto ] && days=order_date
  node tools/duckdb-query.mjs "SELECT count(*), sum(qty), sum(order_id - 900000000000),
    sum(list_sum(list_transform(items, x -> x.qty))), sum(cardinality(attributes)),
    count(note), count(channel), count(coupon), count(DISTINCT customer.address.city),
    CAST(sum(CAST(amount AS DECIMAL(18,2))) AS VARCHAR), sum(epoch_ms(created_at) - 1796000000000),
    sum($days), sum(length(status)), sum(customer.id - 5000000000),
    sum(length(customer.address.street)), sum(CAST(round(price * 10000) AS BIGINT))
    FROM read_parquet([$list])"
}
ok=1
for f in json avro proto; do
  fp $f > "$tmp/$f/fp"
  c=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[0][0])' "$tmp/$f/fp")
  [ "$c" = "$N" ] || { echo "$f: $c rows, expected $N" >&2; ok=0; }
done

# ---- report
med() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "$N order records ($POOL distinct, 3 schema versions), $PARTS partitions, zstd segments;"
echo "--once from an empty table, median of $RUNS runs each (in turn)"
printf '%-6s %9s %9s %11s %9s %9s %9s %9s %8s\n' format seg_MB value_MB records/s seg_MB/s val_MB/s wall_s cpu_s rss_MiB
for f in json avro proto; do
  d=$tmp/$f
  w=$(awk '{print $1}' "$d/times" | med)
  c=$(awk '{print $2 + $3}' "$d/times" | med)
  m=$(awk '{print $4}' "$d/times" | med)
  awk -v f=$f -v sb="$(cat "$d/seg_bytes")" -v vb="$(cat "$d/value_bytes")" -v n=$N -v w=$w -v c=$c -v m=$m 'BEGIN{
    printf "%-6s %9.1f %9.1f %11.0f %9.1f %9.1f %9.2f %9.2f %8.1f\n", f, sb / 1e6, vb / 1e6, n / w,
      sb / w / 1e6, vb / w / 1e6, w, c, m / 1024 }'
done
# ratios run by run (json, avro and proto of one turn ran back to back,
# so a drift of the machine's speed cancels), then their median
for x in avro proto; do
  paste -d' ' "$tmp/json/times" "$tmp/$x/times" |
    awk '{print $1 / $5, ($2 + $3) / ($6 + $7)}' > "$tmp/ratio-$x"
done
printf 'records/s avro/json = %.2fx, proto/json = %.2fx (target >= 1.00x; median of the %d turns)\n' \
  "$(awk '{print $1}' "$tmp/ratio-avro" | med)" "$(awk '{print $1}' "$tmp/ratio-proto" | med)" "$RUNS"
printf 'cpu seconds json/avro = %.2fx, json/proto = %.2fx (user + sys, steadier on a busy machine)\n' \
  "$(awk '{print $2}' "$tmp/ratio-avro" | med)" "$(awk '{print $2}' "$tmp/ratio-proto" | med)"
for f in avro proto; do
  $PY - "$tmp/$f/stats.json" "$N" "$f" <<'PY'
import json, sys
s, n, f = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
ids = s.get("ids", {})
by_id = sum(ids.values())
latest = s.get("kinds", {}).get("subject_latest", 0)
per = 1e6 / n
print("%s: schema lookups by id per 1M records: %.2f (distinct ids: %d; %d lookups in the run), "
      "latest-version lookups per 1M: %.2f; registry requests in all: %d"
      % (f, by_id * per, len(ids), by_id, latest * per, s.get("total", 0)))
PY
done
echo "DuckDB over each table's live files (rows, sums of qty, order_id, items.qty, map entries;"
echo "  counts of note, channel, coupon, cities; sums of amount, created_at, order_date, status"
echo "  length, customer.id, street length, price in 1e-4):"
for f in json avro proto; do echo "  $f $(cat "$tmp/$f/fp")"; done
if ! cmp -s "$tmp/json/fp" "$tmp/avro/fp" || ! cmp -s "$tmp/json/fp" "$tmp/proto/fp"; then
  echo "the three tables differ" >&2; ok=0
fi
(( ok )) || exit 1
