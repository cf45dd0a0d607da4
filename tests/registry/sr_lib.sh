# shellcheck shell=bash
# Shared helpers of the Confluent Schema Registry end-to-end tests
# (it_sr_*.sh; sourced after tests/processor/lib.sh, which gives BIN,
# SEGGEN, ROOT, PY, WORK, metadata_of, expected, check_table).
SR_PIDS=()
sr_cleanup() {
  local p
  for p in "${SR_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap sr_cleanup EXIT
# DuckDB's to_json writes timestamptz in the session zone (from TZ)
export TZ=UTC
SRDIR=$ROOT/tests/registry

# start_sr DIR -> URL, SR_PID (same port and ids again when DIR has them)
start_sr() {
  local d=$1 port=0
  mkdir -p "$d"
  [ -s "$d/port" ] && port=$(cat "$d/port")
  rm -f "$d/port"
  $PY "$SRDIR/sr_server.py" --port "$port" --port-file "$d/port" --state "$d/state.json" \
    2>> "$d/server.log" &
  SR_PID=$!
  SR_PIDS+=("$SR_PID")
  for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
  [ -s "$d/port" ] || { cat "$d/server.log"; fail "registry did not start"; }
  URL=http://127.0.0.1:$(cat "$d/port")
}
stop_sr() { kill "$SR_PID"; wait "$SR_PID" 2>/dev/null || true; }
produce() { node "$ROOT/tools/sr-produce.mjs" "$@"; }
# jget JSON EXPR: a python expression over j
jget() { $PY -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

# write_sr_config DIR URL MAPPINGS [processor lines...] -> DIR/config.yaml
write_sr_config() {
  local d=$1 url=$2 maps=$3; shift 3
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
schema:
  confluent:
    url: $url
    timeout_seconds: 2
processor:
  poll_interval_seconds: 1
  commit_interval_seconds: 1
  threads: ${ICP_TEST_THREADS:-2}
$(for l in "$@"; do echo "  $l"; done)
log:
  level: info
mappings:
$maps
YAML
}

# segments_of D TOPIC HEX [SEGGEN args...]: TOPIC's partition 0 in
# D/segments becomes the hex file's values in order (record i = line i);
# a later call with more lines appended rewrites the topic with the same
# records first (seggen is deterministic), so offsets continue
segments_of() {
  local d=$1 topic=$2 hex=$3 n; shift 3
  n=$(wc -l < "$hex")
  rm -rf "$d/gen"
  "$SEGGEN" --out "$d/gen" --namespace prod --topics "$topic" --partitions 1 \
    --records-per-partition "$n" --value-hex "$hex" --codec zstd --seed 5 --quiet "$@"
  rm -rf "$d/segments/bucket/prod/$topic"
  mkdir -p "$d/segments/bucket/prod/$topic"
  cp -r "$d/gen/prod/$topic/." "$d/segments/bucket/prod/$topic/"
}

# live_meta D TABLE -> the local path of the table's current metadata file
live_meta() {
  local url file
  read -r url file < <(metadata_of "$1" "$2")
  echo "${url#file://}/metadata/$file"
}
# Queries run in one DuckDB process (node's start-up is most of a
# test's time): duck_add OUT SQL ..., then duck_run writes each query's
# rows (one JSON array) to its OUT.
DUCK_Q=()
DUCK_O=()
duck_add() { DUCK_O+=("$1"); DUCK_Q+=("$2"); }
duck_run() {
  local i=0 line
  node "$ROOT/tools/duckdb-query.mjs" "${DUCK_Q[@]}" > "$WORK/duck.out" || return 1
  while IFS= read -r line; do echo "$line" > "${DUCK_O[$i]}"; i=$((i + 1)); done < "$WORK/duck.out"
  [ "$i" = "${#DUCK_O[@]}" ] || return 1
  DUCK_Q=()
  DUCK_O=()
}
# live_list D TABLE -> the live data files as a DuckDB list ('' when none)
live_list() { $PY "$ROOT/tests/processor/live_files.py" "$(live_meta "$1" "$2")"; }
# duck_add_rows D TABLE EXPECTED OUT: the table's live rows per sr_check.py sql
duck_add_rows() {
  local list
  list=$(live_list "$1" "$2")
  if [ -z "$list" ]; then duck_add "$4" "SELECT 1 WHERE false"; return; fi
  duck_add "$4" "$($PY "$SRDIR/sr_check.py" sql "$3" "$list")"
}
