#!/usr/bin/env bash
# Many partition tuples within one memory budget: hour(event_time) x
# bucket(64, order_id) over 48 hours of events (with late ones) is up to
# 3,072 tuples in one --once run, with processor.max_open_files at its
# default (16): writers past it are rolled (LRU), so memory stays bounded
# however many tuples a commit holds. Checked:
#   - peak RSS of the process (getrusage, read by python) stays under
#     processor.memory_limit_bytes (64 MiB);
#   - every record is in the table exactly once (DuckDB);
#   - at least 3,000 distinct tuples were written (data file directories).
source "$(dirname "$0")/lib.sh"
D=$WORK/pmem; mkdir -p "$D/all"
$PY "$ROOT/tests/processor/gen_orders.py" "$D/all" --partitions 3 --records 6000 --hours 48 \
  --per-batch 64 --per-segment 2000
mkdir -p "$D/segments/bucket/prod"; cp -r "$D/all/segments/bucket/prod/orders" "$D/segments/bucket/prod/"
LIMIT=$((64 << 20))
write_config "$D" "memory_limit_bytes: $LIMIT"
$PY - "$D/config.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
head, _ = s.split("mappings:\n")
open(p, "w").write(head + "mappings:\n"
  "  - topic: orders\n    table: shop.orders\n    create_table_if_missing: true\n"
  "    partition_by: [\"hour(event_time)\", \"bucket(64, order_id)\"]\n"
  "    schema:\n      columns: [{name: order_id, type: long}, {name: amount, type: \"decimal(10,2)\"},"
  " {name: status, type: string}, {name: event_time, type: timestamptz}, {name: customer, type: string}]\n")
PY
# the processor as a child of python: its peak RSS from getrusage
peak=$($PY - "$BIN" "$D/config.yaml" "$D/run.log" <<'PY'
import resource, subprocess, sys
with open(sys.argv[3], "w") as log:
    rc = subprocess.call([sys.argv[1], "--once", "-config=" + sys.argv[2]], stderr=log)
if rc != 0:
    sys.exit("exit %d" % rc)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
PY
) || { tail -20 "$D/run.log"; echo "FAIL: run"; exit 1; }
DATA=$(find "$D/warehouse" -type d -name data | head -1)
tuples=$(find "$DATA" -name '*.parquet' -printf '%h\n' | sort -u | wc -l)
files=$(find "$DATA" -name '*.parquet' | wc -l)
echo "peak RSS $peak bytes (limit $LIMIT), $tuples tuples, $files files"
# Sanitizer builds (the ASan and TSan runs of make test) add shadow memory
# and quarantines to every allocation: their RSS says nothing about the
# processor's. The bound is checked on the release build's run; the
# instrumented runs check everything else.
if grep -qa -e __asan_init -e __tsan_init "$BIN"; then
  echo "instrumented build: peak RSS not compared (checked by the release run)"
else
  [ "$peak" -lt "$LIMIT" ] || { echo "FAIL: peak RSS $peak >= memory_limit_bytes $LIMIT"; exit 1; }
fi
[ "$tuples" -ge 3000 ] || { echo "FAIL: only $tuples tuples written"; exit 1; }
got=$(node "$ROOT/tools/duckdb-query.mjs" "SELECT count(*), count(DISTINCT (partition, \"offset\")), sum(amount)::VARCHAR FROM read_parquet('$DATA/**/*.parquet')")
want=$($PY -c 'import json,sys,decimal; e=json.load(open(sys.argv[1])); print(json.dumps([[len(e), len(e), str(sum(decimal.Decimal(x[3]) for x in e))]], separators=(",", ":")))' "$D/all/expected-orders.json")
[ "$got" = "$want" ] || { echo "FAIL: rows $got, want $want"; exit 1; }
echo "it_partition_memory: ok ($got)"
