#!/usr/bin/env bash
# Table health over many commits (issue 17): COMMITS commits of one small
# segment each (about 11 records) into one table, with a maintenance pass
# (`iceberg-processor maintain`: compact, expire, remove orphans) every
# INTERVAL commits, and manifest merging on every append. Prints the curve
# every SAMPLE commits:
#   commit ms     median wall time of the last SAMPLE commit runs (--once:
#                 start, load the table, read one segment, write, commit)
#   metadata      bytes of the current metadata.json
#   data_files    data files under the table's data/ directory
#   live          live data files of the current snapshot
#   all_files     every file under the table directory (data + metadata)
#   referenced    of those, the files the table's metadata names: current
#                 metadata, metadata log, and every kept snapshot's list,
#                 manifests and data files (the rest is garbage)
#   manifests     manifests in the current snapshot
# then the targets: commit time at COMMITS <= 1.5x at the 100th commit,
# metadata.json <= 200 KB, files in the table <= 2x the files its metadata
# names, manifests <= 20, rows exactly once (DuckDB). Data files on disk
# against the current snapshot's live ones is printed too: with min_keep
# 100, the kept snapshots from before the last compaction still name the
# files it replaced (time travel needs them), whatever the age.
#
# Why --once runs and not one long run: run mode commits at most once per
# commit_interval_seconds (>= 1 s), so 10,000 commits would take almost
# three hours. Each --once run is one commit of run mode's path (same
# writer, same merge-append, same commit), and `maintain` runs the same
# per-table pass as the run-mode maintenance thread. The old segments are
# moved out of the source, as retention would, so the listing stays flat.
#
# maintenance.expire_snapshots.max_age_seconds is 0 (min_keep 100) because
# the whole run lasts minutes: it stands for months at the default age.
# INTERVAL 0: no maintenance pass at all (the peer: manifest merging on
# appends only).
# Usage: bench/run_maintenance.sh BUILD_DIR [COMMITS [INTERVAL [SAMPLE]]]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B=$(readlink -f "${1:-build}")
N=${2:-${MAINT_BENCH_COMMITS:-10000}}
INTERVAL=${3:-100}
SAMPLE=${4:-100}
PY=/usr/bin/python3
tmp=$(mktemp -d /tmp/icp-bench-maint-XXXXXX)
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
d=$tmp/m
mkdir -p "$d/all" "$d/segments/bucket/prod/orders/0" "$d/state"
"$B/icp-seggen" --out "$d/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition $((N * 12)) --segment-bytes 1500 --batch-records 10 --codec none \
  --value-bytes 40 --seed 17 --quiet
mapfile -t SEGS < <(ls "$d/all/prod/orders/0" | grep '\.kfs$' | sort)
[ ${#SEGS[@]} -ge "$N" ] || { echo "only ${#SEGS[@]} segments for $N commits" >&2; exit 1; }
cat > "$d/config.yaml" <<YAML
s3: {endpoint: "file://$d/segments", bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: "sqlite://$d/catalog.db"}
  warehouse: "file://$d/warehouse"
offsets: {backend: local, local_path: "$d/state/offsets.json"}
log: {level: warn}
maintenance:
  expire_snapshots: {max_age_seconds: 0, min_keep: 100}
mappings:
  - {topic: orders, table: bench.orders, create_table_if_missing: true}
YAML
src=$d/segments/bucket/prod/orders/0
now_ms() { date +%s%3N; }
if (( INTERVAL > 0 )); then echo "-- $N commits, one segment each; maintain every $INTERVAL commits"
else echo "-- $N commits, one segment each; no maintenance pass"; fi
printf '%7s %9s %10s %10s %5s %9s %10s %9s %9s %8s\n' commits commit_ms metadata_B data_files live all_files referenced manifests snapshots maint_ms
times=()
maint_ms=0
first_ms=
expected_rows=0
for ((i = 0; i < N; i++)); do
  s=${SEGS[$i]}
  rm -f "$src"/*
  cp "$d/all/prod/orders/0/$s" "$d/all/prod/orders/0/${s%.kfs}.index" "$src/"
  t0=$(now_ms)
  "$B/iceberg-processor" --once -config="$d/config.yaml" 2>> "$d/run.log" \
    || { tail -20 "$d/run.log"; echo "commit $((i + 1)) failed" >&2; exit 1; }
  times+=($(( $(now_ms) - t0 )))
  c=$((i + 1))
  if (( INTERVAL > 0 && c % INTERVAL == 0 )); then
    t0=$(now_ms)
    "$B/iceberg-processor" maintain -config="$d/config.yaml" >> "$d/maint.out" 2>> "$d/maint.log" \
      || { tail -20 "$d/maint.log"; echo "maintain after commit $c failed" >&2; exit 1; }
    maint_ms=$(( $(now_ms) - t0 ))
  fi
  if (( c % SAMPLE == 0 )); then
    med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    times=()
    [ -n "$first_ms" ] || first_ms=$med
    st=$($PY "$ROOT/bench/table_stats.py" "$d/catalog.db" bench.orders $( ((INTERVAL > 0)) || echo --current-only))
    read -r mb files live all refd mans snaps < <($PY -c 'import json,sys; j=json.loads(sys.argv[1]); print(j["metadata_bytes"], j["data_files"], j["live_files"], j["files"], j["referenced"], j["manifests"], j["snapshots"])' "$st")
    printf '%7d %9d %10d %10d %5d %9d %10d %9d %9d %8d\n' "$c" "$med" "$mb" "$files" "$live" "$all" "$refd" "$mans" "$snaps" "$maint_ms"
    last_ms=$med; last_mb=$mb; last_files=$files; last_live=$live; last_mans=$mans
    last_all=$all; last_refd=$refd
  fi
done
for ((i = 0; i < N; i++)); do
  expected_rows=$((expected_rows + $("$B/iceberg-processor" dump-segment "$d/all/prod/orders/0/${SEGS[$i]}" | wc -l)))
done
got=$(node "$ROOT/tools/duckdb-query.mjs" "SELECT count(*), count(DISTINCT \"offset\") FROM iceberg_scan('$("$PY" - "$d/catalog.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT metadata_location FROM iceberg_tables WHERE table_name='orders'").fetchone()[0])
PY
)')" 2>/dev/null || true)
if [ -z "$got" ]; then
  # DuckDB without the iceberg extension (no downloads at run time): read
  # the live files the manifests list
  list=$($PY - "$d/catalog.db" <<'PY'
import json, sqlite3, sys, warnings
warnings.simplefilter("ignore")
from avro.datafile import DataFileReader
from avro.io import DatumReader
def local(u): return u[7:] if u.startswith("file://") else (u[5:] if u.startswith("file:") else u)
def avro(p):
    with open(local(p), "rb") as f: return list(DataFileReader(f, DatumReader()))
loc = sqlite3.connect(sys.argv[1]).execute("SELECT metadata_location FROM iceberg_tables WHERE table_name='orders'").fetchone()[0]
m = json.load(open(local(loc)))
s = next(x for x in m["snapshots"] if x["snapshot-id"] == m["current-snapshot-id"])
paths = [local(e["data_file"]["file_path"]) for l in avro(s["manifest-list"]) for e in avro(l["manifest_path"]) if e["status"] != 2]
print(",".join("'%s'" % p for p in paths))
PY
)
  got=$(node "$ROOT/tools/duckdb-query.mjs" "SELECT count(*), count(DISTINCT \"offset\") FROM read_parquet([$list])")
fi
echo "rows: $got, expected $expected_rows"
echo "-- targets at $N commits"
ok() { if [ "$1" = 1 ]; then echo "ok  "; else echo "MISS"; fi; }
r=$($PY -c "print(round($last_ms / max($first_ms, 1), 2))")
echo "$(ok "$($PY -c "print(int($last_ms <= 1.5 * $first_ms))")") commit time ${last_ms} ms = ${r}x the ${SAMPLE}-commit median (${first_ms} ms); target <= 1.5x"
echo "$(ok "$($PY -c "print(int($last_mb <= 200 * 1024))")") metadata.json $last_mb bytes; target <= 204800"
echo "$(ok "$($PY -c "print(int($last_all <= 2 * $last_refd))")") files in the table $last_all, named by its metadata $last_refd; target <= 2x"
echo "     data files $last_files, live in the current snapshot $last_live (the rest: kept snapshots' time travel)"
echo "$(ok "$($PY -c "print(int($last_mans <= 20))")") manifests in the current snapshot $last_mans; target <= 20"
echo "$(ok "$([ "$got" = "[[$expected_rows,$expected_rows]]" ] && echo 1 || echo 0)") rows exactly once"
echo "maintenance passes: $(grep -c . "$d/maint.out" || true) lines; last: $(tail -1 "$d/maint.out")"
