#!/usr/bin/env bash
# Freshness (issue 15 D): the first commit of a small topic (1,000 records)
# while another topic has a backlog of RECORDS records, in run mode with
# commit_interval_seconds 1. Target: <= 3 s from start. Also prints when
# the backlog's own commits land (the interval holds during a backlog) and
# when it is caught up. The peer is the same processor's backlog itself:
# the small table must not wait for it.
# Usage: bench/run_fresh.sh BUILD_DIR [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
B=$(readlink -f "${1:-build}")
N=${2:-${FRESH_BENCH_RECORDS:-6000000}}
tmp=$(mktemp -d /tmp/icp-bench-fresh-XXXXXX)
trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
pid=
d=$tmp; mkdir -p "$d/segments/bucket"
"$B/icp-seggen" --out "$d/segments/bucket" --namespace prod --topics big --partitions 4 \
  --records-per-partition $((N / 4)) --segment-bytes 64M --codec zstd --value-bytes 200 --seed 3 --quiet
"$B/icp-seggen" --out "$d/segments/bucket" --namespace prod --topics small --partitions 1 \
  --records-per-partition 1000 --segment-bytes 1M --codec none --value-bytes 100 --seed 4 --quiet
cat > "$d/config.yaml" <<YAML
s3: {endpoint: "file://$d/segments", bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: "sqlite://$d/catalog.db"}
  warehouse: "file://$d/warehouse"
offsets: {backend: local, local_path: "$d/offsets.json"}
processor: {poll_interval_seconds: 1, commit_interval_seconds: 1}
log: {level: info}
mappings:
  - {topic: big, table: bench.big, create_table_if_missing: true}
  - {topic: small, table: bench.small, create_table_if_missing: true}
YAML
sync
start=$(date +%s%3N)
KAFSCALE_METRICS_ADDR=127.0.0.1:0 "$B/iceberg-processor" -config="$d/config.yaml" 2> "$d/log" &
pid=$!
for _ in $(seq 1 3000); do
  n=$({ grep 'msg=committed table=bench.big' "$d/log" || true; } |
      sed -n 's/.* records=\([0-9]*\).*/\1/p' | awk '{s+=$1} END {print s+0}')
  [ "$n" -ge "$N" ] && break
  sleep 0.2
done
kill -TERM $pid; wait $pid || true
/usr/bin/python3 - "$d/log" "$start" "$N" <<'PY'
import re, sys, datetime
lines, start, n = open(sys.argv[1]).read().splitlines(), int(sys.argv[2]), int(sys.argv[3])
def ms(l):
    t = re.search(r'ts=(\S+)Z', l).group(1)
    return int(datetime.datetime.fromisoformat(t).replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
small = [ms(l) - start for l in lines if 'msg=committed table=bench.small' in l]
big = [ms(l) - start for l in lines if 'msg=committed table=bench.big' in l]
print("backlog: %d records on 4 partitions; big table commits at (s): %s" %
      (n, " ".join("%.1f" % (x / 1000) for x in big[:12]) + (" ..." if len(big) > 12 else "")))
print("big table caught up after %.2f s (%d commits)" % (big[-1] / 1000, len(big)))
if small:
    print("small table first commit after %.2f s (target <= 3 s)" % (small[0] / 1000))
else:
    print("small table: no commit")
PY
