# Helpers for the REST catalog integration tests (sourced after
# tests/processor/lib.sh, which sets BIN, SEGGEN, ROOT, PY, WORK).
SERVER_PIDS=()
cleanup_rest() {
  local p
  for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup_rest EXIT

# start_server DIR [server args...] -> sets URL (http://127.0.0.1:PORT)
start_server() {
  local d=$1; shift
  mkdir -p "$d"
  rm -f "$d/port"
  $PY "$ROOT/tests/catalog/rest_server.py" --state "$d/rest-state" --port-file "$d/port" \
    --warehouse "file://$d/warehouse" "$@" 2> "$d/server.log" &
  SERVER_PIDS+=($!)
  for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.1; done
  [ -s "$d/port" ] || { cat "$d/server.log"; echo "REST server did not start"; exit 1; }
  URL=http://127.0.0.1:$(cat "$d/port")
}

DEFAULT_MAPPINGS='  - {topic: orders, table: shop.orders, create_table_if_missing: true}
  - {topic: clicks, table: shop.clicks, create_table_if_missing: true}
  - {topic: payments, table: shop.payments, create_table_if_missing: true}'
# write_rest_config DIR URL [catalog lines]; $MAPPINGS replaces the mappings [extra catalog lines] -> DIR/config.yaml
write_rest_config() {
  local d=$1 url=$2; shift 2
  cat > "$d/config.yaml" <<YAML
s3:
  endpoint: file://$d/segments
  bucket: bucket
  namespace: prod
iceberg:
  catalog:
    type: rest
    uri: $url
$(for l in "$@"; do echo "    $l"; done)
  warehouse: file://$d/warehouse
offsets:
  backend: local
  local_path: $d/state/${OFFSETS_FILE:-offsets.json}
processor:
  poll_interval_seconds: 1
  commit_interval_seconds: 1
  threads: ${ICP_TEST_THREADS:-4}
log:
  level: warn
mappings:
${MAPPINGS:-$DEFAULT_MAPPINGS}
YAML
}

# rest_metadata_of DIR TABLE -> "table_url metadata_file_name" (from the
# server's state, as metadata_of reads the SQLite catalog)
rest_metadata_of() {
  $PY - "$1/rest-state/catalog.json" "$2" <<'PY'
import json, sys, os
st = json.load(open(sys.argv[1]))
ns, name = sys.argv[2].rsplit(".", 1)
loc = st["tables"][ns.replace(".", "\x1f") + "\x1f" + name]
print(os.path.dirname(os.path.dirname(loc)), os.path.basename(loc))
PY
}

# rest_check_table DIR TOPIC TABLE: icebird + DuckDB read == expected rows
rest_check_table() {
  local d=$1 t=$2 table=$3 url file
  read -r url file < <(rest_metadata_of "$d" "$table")
  node "$ROOT/tools/iceberg-check.mjs" "$url" "$file" "$d/expected-$t.jsonl"
}

stats() { curl -s "$1/test/stats"; }
set_faults() { curl -s -X POST -d "$2" "$1/test/faults" > /dev/null; }
