#!/usr/bin/env bash
# Concurrent LISTs (issue 15): an idle poll over many partitions on S3
# behind tests/s3/latency_proxy.py (30 ms per request). P partitions of
# one small segment each are ingested first (directly); then `--once`
# runs again through the proxy with nothing new, once with
# processor.fetch_concurrency 1 (one LIST after another, as before) and
# once with the default (the LISTs of all partitions sent at once,
# src/processor/prelist.c). Prints, for each, the wall time of the run,
# the number of segment LISTs (one more: discovery's) and the time during
# which at least one LIST was in flight (what a poll of idle partitions
# costs once the newest footers are cached: in run mode, every poll), and
# the ratio of those times. The newest footers (for the lag gauge) come
# with the LISTs. The rest of the wall time: a fresh process checks each
# partition's last segment past its committed offset (an .index GET and a
# ranged GET, one partition after another: the footer's last offset is
# not trusted to skip it, issue 14), and start-up.
# Usage: bench/run_lists.sh BUILD_DIR [PARTITIONS]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
B=$(readlink -f "${1:-build}")
P=${2:-${LIST_BENCH_PARTITIONS:-200}}
PY=/usr/bin/python3
. tests/s3/lib.sh
tmp=$(mktemp -d /tmp/icp-bench-lists-XXXXXX)
PROXY_PID=
cleanup() {
  [ -z "$PROXY_PID" ] || { kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; }
  s3_stop
  rm -rf "$tmp"
}
s3_start segments wh
trap cleanup EXIT
export KAFSCALE_METRICS_ADDR=127.0.0.1:0

mkdir -p "$tmp/segments/bucket"
"$B/icp-seggen" --out "$tmp/segments/bucket" --namespace prod --topics events --partitions "$P" \
  --records-per-partition 20 --codec none --value-bytes 100 --seed 3 --quiet
$PY tests/s3/s3sync.py up "$tmp/segments/bucket" "$S3_ENDPOINT" segments > /dev/null

port=$(s3_free_port)
$PY tests/s3/latency_proxy.py --listen "$port" --upstream "$S3_ENDPOINT" \
  --latency-ms 30 --log "$tmp/proxy.jsonl" > "$tmp/proxy.out" 2>&1 &
PROXY_PID=$!
s3_wait_port "$port"

config() { # ENDPOINT FETCH_CONCURRENCY
  cat <<YAML
s3: {endpoint: "$1", bucket: segments, namespace: prod, region: us-east-1, path_style: true}
iceberg:
  catalog: {type: sql, uri: "sqlite://$tmp/catalog.db"}
  warehouse: s3://wh/lake
offsets: {backend: local, local_path: "$tmp/offsets.json"}
log: {level: warn}
processor: {fetch_concurrency: $2}
mappings:
  - {topic: events, table: bench.events, create_table_if_missing: true}
YAML
}
config "$S3_ENDPOINT" 8 > "$tmp/ingest.yaml"
"$B/iceberg-processor" --once -config="$tmp/ingest.yaml" 2> "$tmp/ingest.log" ||
  { tail -5 "$tmp/ingest.log" >&2; exit 1; }

echo "idle --once over $P partitions, S3 through a proxy adding 30 ms per request"
printf '%-18s %8s %6s %10s\n' fetch_concurrency wall_s lists list_busy_s
for c in 1 8; do
  config "http://127.0.0.1:$port" "$c" > "$tmp/c$c.yaml"
  : > "$tmp/proxy.jsonl"
  s=$(date +%s.%N)
  "$B/iceberg-processor" --once -config="$tmp/c$c.yaml" 2> "$tmp/c$c.log" ||
    { tail -5 "$tmp/c$c.log" >&2; exit 1; }
  e=$(date +%s.%N)
  sleep 0.5 # the proxy's last log lines
  read -r n span < <($PY - "$tmp/proxy.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
lists = [r for r in recs if r["bucket"] == "segments" and r["kind"] == "GET list"]
busy, cur_s, cur_e = 0.0, None, None
for a, b in sorted((r["start"], r["end"]) for r in lists):
    if cur_e is None or a > cur_e:
        busy += (cur_e - cur_s) if cur_e is not None else 0.0
        cur_s, cur_e = a, b
    else:
        cur_e = max(cur_e, b)
busy += (cur_e - cur_s) if cur_e is not None else 0.0
print(len(lists), "%.3f" % busy)
PY
)
  awk -v c="$c" -v w="$(echo "$e - $s" | bc)" -v n="$n" -v sp="$span" \
    'BEGIN{printf "%-18s %8.2f %6d %10.3f\n", c, w, n, sp}'
  echo "$c $span" >> "$tmp/spans"
done
awk 'NR==1{a=$2} NR==2{b=$2} END{printf "time with a LIST in flight, fetch_concurrency 1 / 8: %.1fx\n", a/b}' "$tmp/spans"
