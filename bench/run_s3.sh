#!/usr/bin/env bash
# Benchmark C of issue 15: the same --once job (4 partitions of seggen
# records, ~300 MB of segments, uncompressed) with the segments AND the
# warehouse on an S3 server (s3rver), reached
#   (a) through tests/s3/latency_proxy.py: 30 ms added per request, each
#       connection capped at 60 MB/s both ways;
#   (b) directly (the peer).
# Prints MB/s of segment bytes for each and the ratio a/b (target >= 0.8),
# and the same through the proxy with s3.upload_concurrency 1, to show
# what concurrent part uploads buy. From the proxy's request log of (a):
# per request kind the count, bytes, summed request time and the wall time
# during which at least one such request was in flight (what the job
# waited on: segment GETs or warehouse PUTs).
# Usage: bench/run_s3.sh BUILD_DIR [RECORDS]   (S3_BENCH_PARTITIONS: 4;
# S3_BENCH_YAML: extra top-level config lines for every run, e.g.
# 'parquet: {row_group_bytes: 16777216}')
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B=$(readlink -f "${1:-build}")
N=${2:-${S3_BENCH_RECORDS:-1200000}}
P=${S3_BENCH_PARTITIONS:-4}
PY=/usr/bin/python3
. tests/s3/lib.sh
tmp=$(mktemp -d /tmp/icp-bench-s3-XXXXXX)
PROXY_PID=
cleanup() {
  [ -z "$PROXY_PID" ] || { kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; }
  s3_stop
  [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
s3_start segments wh-direct wh-proxy wh-proxy1
trap cleanup EXIT
export KAFSCALE_METRICS_ADDR=127.0.0.1:0

mkdir -p "$tmp/segments/bucket"
"$B/icp-seggen" --out "$tmp/segments/bucket" --namespace prod --topics events --partitions $P \
  --records-per-partition $((N / P)) --segment-bytes 32M --codec none --value-bytes 200 \
  --seed 9 --quiet
$PY tests/s3/s3sync.py up "$tmp/segments/bucket" "$S3_ENDPOINT" segments > /dev/null
bytes=$(find "$tmp/segments" -name '*.kfs' -printf '%s\n' | awk '{s+=$1} END {print s}')
nseg=$(find "$tmp/segments" -name '*.kfs' | wc -l)

port=$(s3_free_port)
$PY tests/s3/latency_proxy.py --listen "$port" --upstream "$S3_ENDPOINT" \
  --latency-ms 30 --mbps 60 --log "$tmp/proxy.jsonl" > "$tmp/proxy.out" 2>&1 &
PROXY_PID=$!
s3_wait_port "$port"
PROXY=http://127.0.0.1:$port

run() { # NAME ENDPOINT WAREHOUSE_BUCKET UPLOAD_CONCURRENCY -> "seconds rss_kib"
  local d=$tmp/$1; mkdir -p "$d"
  cat > "$d/config.yaml" <<YAML
s3: {endpoint: "$2", bucket: segments, namespace: prod, region: us-east-1, path_style: true, upload_concurrency: $4}
iceberg:
  catalog: {type: sql, uri: "sqlite://$d/catalog.db"}
  warehouse: s3://$3/lake
offsets: {backend: local, local_path: "$d/offsets.json"}
log: {level: warn}
${S3_BENCH_YAML:-}
mappings:
  - {topic: events, table: bench.events, create_table_if_missing: true}
YAML
 s3pid=$(pgrep -f 's3rver' | head -1); s0=$(awk '{print $14+$15}' /proc/$s3pid/stat)
  p0=$(awk '{print $14+$15}' /proc/$PROXY_PID/stat)
  /usr/bin/time -f '%e %M %U %S' -o "$d/time" "$B/iceberg-processor" --once -config="$d/config.yaml" \
    2> "$d/log" || { echo "run $1 failed:" >&2; tail -5 "$d/log" >&2; exit 1; }
  read -r e m u sy < "$d/time"
  # CPU seconds of the processor, and of the proxy and the S3 server in
  # the same window: on a small machine they share the cores
  awk -v e="$e" -v m="$m" -v c="$(echo "$u $sy" | awk '{print $1+$2}')" \
      -v px="$(( $(awk '{print $14+$15}' /proc/$PROXY_PID/stat) - p0 ))" \
      -v sv="$(( $(awk '{print $14+$15}' /proc/$s3pid/stat) - s0 ))" -v hz="$(getconf CLK_TCK)" \
      'BEGIN{printf "%s %s %.2f %.2f %.2f\n", e, m, c, px/hz, sv/hz}'
}

echo "segments: $nseg objects, $bytes bytes, $N records of 200 B in $P partitions"
read -r s_direct m_direct c_direct x_direct v_direct < <(run direct "$S3_ENDPOINT" wh-direct 4)
: > "$tmp/proxy.jsonl"
read -r s_proxy m_proxy c_proxy x_proxy v_proxy < <(run proxy "$PROXY" wh-proxy 4)
cp "$tmp/proxy.jsonl" "$tmp/proxy-c4.jsonl"
: > "$tmp/proxy.jsonl"
read -r s_proxy1 m_proxy1 c_proxy1 x_proxy1 v_proxy1 < <(run proxy1 "$PROXY" wh-proxy1 1)
cp "$tmp/proxy.jsonl" "$tmp/proxy-c1.jsonl"
pq=$($PY tests/s3/s3sync.py down "$S3_ENDPOINT" wh-direct "$tmp/dl" > /dev/null;
     find "$tmp/dl" -name '*.parquet' -printf '%s\n' | awk '{s+=$1; n++} END {printf "%d files, %d bytes", n, s}')
echo "Parquet written: $pq"

printf '%-44s %8s %8s %9s\n' run seconds "MB/s" rss_MiB
awk -v b="$bytes" -v s="$s_direct" -v m="$m_direct" 'BEGIN{printf "%-44s %8.2f %8.1f %9.1f\n", "(b) direct to s3rver, upload_concurrency 4", s, b/s/1e6, m/1024}'
awk -v b="$bytes" -v s="$s_proxy" -v m="$m_proxy" 'BEGIN{printf "%-44s %8.2f %8.1f %9.1f\n", "(a) latency proxy, upload_concurrency 4", s, b/s/1e6, m/1024}'
awk -v b="$bytes" -v s="$s_proxy1" -v m="$m_proxy1" 'BEGIN{printf "%-44s %8.2f %8.1f %9.1f\n", "(a1) latency proxy, upload_concurrency 1", s, b/s/1e6, m/1024}'
echo "CPU seconds (processor / latency proxy / S3 server) during each run; $(nproc) CPUs:"
echo "  (b) $c_direct / $x_direct / $v_direct   (a) $c_proxy / $x_proxy / $v_proxy   (a1) $c_proxy1 / $x_proxy1 / $v_proxy1"
awk -v d="$s_direct" -v p="$s_proxy" -v p1="$s_proxy1" 'BEGIN{
  printf "proxy / direct throughput, upload_concurrency 4: %.2fx (target >= 0.80)\n", d/p
  printf "proxy / direct throughput, upload_concurrency 1: %.2fx\n", d/p1
  printf "upload_concurrency 4 / 1 through the proxy: %.2fx\n", p1/p }'

for c in c4 c1; do
  echo "proxy request log, upload_concurrency ${c#c}:"
  $PY - "$tmp/proxy-$c.jsonl" <<'PY'
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
if not recs:
    sys.exit(0)
t0 = min(r["start"] for r in recs)
t1 = max(r["end"] for r in recs)
def union(iv):
    tot, cur_s, cur_e = 0.0, None, None
    for s, e in sorted(iv):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                tot += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    return tot + ((cur_e - cur_s) if cur_e is not None else 0)
groups = collections.defaultdict(list)
for r in recs:
    side = "segments" if r["bucket"] == "segments" else "warehouse"
    groups["%s %s" % (side, r["kind"])].append(r)
print("  %-28s %6s %12s %10s %10s %10s" % ("kind", "n", "bytes", "sum_s", "mean_ms", "busy_s"))
for k in sorted(groups):
    g = groups[k]
    n = len(g)
    by = sum(r["in"] + r["out"] for r in g)
    sm = sum(r["end"] - r["start"] for r in g)
    print("  %-28s %6d %12d %10.2f %10.1f %10.2f" % (k, n, by, sm, 1000 * sm / n,
          union([(r["start"], r["end"]) for r in g])))
gets = [(r["start"], r["end"]) for r in recs if r["bucket"] == "segments"]
puts = [(r["start"], r["end"]) for r in recs if r["bucket"] != "segments"]
print("  wall %.2f s of requests: segment requests in flight %.2f s, warehouse requests %.2f s,"
      " none %.2f s" % (t1 - t0, union(gets), union(puts),
                        t1 - t0 - union([(r["start"], r["end"]) for r in recs])))
kfs = {r["key"] for r in recs if r["key"].endswith(".kfs")}
print("  %d .kfs segments read with %d GETs (whole + ranged, footers included)"
      % (len(kfs), sum(1 for r in recs if r["key"].endswith(".kfs"))))
PY
done
