# Shared helpers for the processor integration tests (sourced).
# $BIN = iceberg-processor, $SEGGEN = icp-seggen (next to it), $ROOT = repo.
set -euo pipefail
BIN=$(readlink -f "$1")
SEGGEN=$(dirname "$BIN")/icp-seggen
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/icp-it-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# Run-mode processors serve HTTP; never collide on the default :9093.
export KAFSCALE_METRICS_ADDR=${KAFSCALE_METRICS_ADDR:-127.0.0.1:0}

# write_config DIR [extra yaml lines for processor:] -> DIR/config.yaml
write_config() {
  local d=$1; shift
  cat > "$d/config.yaml" <<YAML
s3:
  endpoint: file://$d/segments
  bucket: bucket
  namespace: prod
iceberg:
  catalog:
    type: sql
    uri: sqlite://$d/catalog.db
  warehouse: file://$d/warehouse
offsets:
  backend: local
  local_path: $d/state/offsets.json
processor:
  poll_interval_seconds: 1
  commit_interval_seconds: 1
  # 4: every test goes through the worker pool (TSan too), with more
  # workers than the default on a 2-core machine
  threads: ${ICP_TEST_THREADS:-4}
$(for l in "$@"; do echo "  $l"; done)
log:
  level: warn
mappings:
  - {topic: orders, table: shop.orders, create_table_if_missing: true}
  - {topic: clicks, table: shop.clicks, create_table_if_missing: true}
  - {topic: payments, table: shop.payments, create_table_if_missing: true}
YAML
}

# expected DIR -> DIR/expected-<topic>.jsonl from every complete segment,
# as a read_committed consumer sees them (rc_offsets.py, kafka-python:
# no record of an aborted or still open transaction)
expected() {
  local d=$1 t p f
  for t in orders clicks payments; do
    : > "$d/expected-$t.jsonl"
    for p in "$d"/segments/bucket/prod/$t/*/; do
      [ -d "$p" ] || continue
      p=$(basename "$p")
      $PY "$ROOT/tests/processor/rc_offsets.py" "$d/segments/bucket/prod/$t/$p" > "$WORK/rc-offsets"
      for f in "$d"/segments/bucket/prod/$t/$p/*.kfs; do
        [ -f "${f%.kfs}.index" ] || continue
        "$BIN" dump-segment "$f" | $PY -c '
import sys, json
t, p = sys.argv[1], int(sys.argv[2])
seen = set(int(x) for x in open(sys.argv[3]))
for line in sys.stdin:
    r = json.loads(line)
    if r["offset"] not in seen:
        continue
    print(json.dumps({"topic": t, "partition": p, "offset": r["offset"], "timestamp": r["timestamp"],
                      "key": r["key"], "value": r["value"], "headers": r["headers"]}))' "$t" "$p" "$WORK/rc-offsets" >> "$d/expected-$t.jsonl"
      done
    done
  done
}

# metadata_of DIR TABLE -> "table_url metadata_file_name"
metadata_of() {
  $PY - "$1/catalog.db" "$2" <<'PY'
import sqlite3, sys, os
db, table = sys.argv[1], sys.argv[2]
ns, name = table.rsplit(".", 1)
row = sqlite3.connect(db).execute(
    "SELECT metadata_location FROM iceberg_tables WHERE table_namespace=? AND table_name=?",
    (ns, name)).fetchone()
loc = row[0]
meta_dir = os.path.dirname(loc)
print(os.path.dirname(meta_dir), os.path.basename(loc))
PY
}

# check_table DIR TOPIC TABLE: icebird reads the table == expected rows
check_table() {
  local d=$1 t=$2 table=$3 url file
  read -r url file < <(metadata_of "$d" "$table")
  node "$ROOT/tools/iceberg-check.mjs" "$url" "$file" "$d/expected-$t.jsonl"
}
