#!/usr/bin/env bash
# Manifest merging on every append (Iceberg's merge-append rule, merge.c):
# a table whose commit.manifest.min-count-to-merge is 5 (set by another
# engine after the first commit: set_props.py) takes one segment per
# --once run, one commit each. The current snapshot's manifest list then
# holds exactly ((runs - 1) mod 4) + 1 manifests: the 5th manifest merges
# the 4 before it with it into one (the bin with the new manifest merges
# once it holds min-count-to-merge). After every run (merge_check.py,
# python3-avro reads every manifest): each live data file is listed once,
# list counts match the entries, merged entries are EXISTING with explicit
# snapshot ids and sequence numbers, and the sequence numbers a reader
# resolves for every file (and its snapshot id, counts, column sizes) are
# those it had when it was committed; no manifest file is orphaned. Then commit.manifest-merge.enabled=
# false: the list grows by one per run past the bound. Finally icebird
# reads the table (every record exactly once) and DuckDB reads the live
# data files (the same rows, exactly once).
source "$(dirname "$0")/lib.sh"
D=$WORK/merge; mkdir -p "$D/all" "$D/segments/bucket/prod/orders/0"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition 260 --batch-records 5 --segment-bytes 2K --codec none --quiet
mapfile -t SEGS < <(ls "$D/all/prod/orders/0" | grep '\.kfs$' | sort)
N=${#SEGS[@]}
[ "$N" -ge 16 ] || { echo "FAIL: only $N segments generated"; exit 1; }
write_config "$D"
sql_meta() { local url file; read -r url file < <(metadata_of "$D" shop.orders); echo "${url#file://}/metadata/$file"; }

# run K WANT: adds segment K (1-based), one --once run, checks the list
run() {
  local k=$1 want=$2 s=${SEGS[$(($1 - 1))]}
  cp "$D/all/prod/orders/0/$s" "$D/all/prod/orders/0/${s%.kfs}.index" "$D/segments/bucket/prod/orders/0/"
  "$BIN" --once -config="$D/config.yaml" 2> "$D/log$k" || { cat "$D/log$k"; echo "FAIL: run $k"; exit 1; }
  ! grep -q 'not merged' "$D/log$k" || { cat "$D/log$k"; echo "FAIL: run $k: a merge failed"; exit 1; }
  $PY -W ignore "$ROOT/tests/processor/merge_check.py" "$(sql_meta)" "$want" "$k" "$D/seqs.json" > "$D/live" \
    || { echo "FAIL: run $k (want $want manifests)"; exit 1; }
}

run 1 1
$PY "$ROOT/tests/processor/set_props.py" "$D/catalog.db" shop.orders \
  commit.manifest.min-count-to-merge=5
K=$((N - 3))
for k in $(seq 2 $K); do
  run "$k" $(( (k - 1) % 4 + 1 ))
done
merged=$(ls "$D"/warehouse/shop/orders/metadata/*-m1.avro 2>/dev/null | wc -l || true)
# runs 5, 9, 13, ... merged (one attempt each: no other writer)
[ "$merged" -eq $(( (K - 1) / 4 )) ] || { echo "FAIL: $merged merged manifests, want $(( (K - 1) / 4 ))"; exit 1; }
echo "merge: $K runs, list bounded at 4 manifests, $merged merges"

# merging off: the list grows past the bound
$PY "$ROOT/tests/processor/set_props.py" "$D/catalog.db" shop.orders \
  commit.manifest-merge.enabled=false
c=$(( (K - 1) % 4 + 1 ))
for j in 1 2 3; do
  run $((K + j)) $((c + j))
done
echo "merge disabled: $((c + 3)) manifests after 3 more runs"

# no manifest is left behind: a new manifest merged into another is
# deleted once its snapshot landed; every other one is referenced
$PY -W ignore - "$(sql_meta)" <<'PY' || { echo "FAIL: orphan manifests"; exit 1; }
import glob, json, os, sys
from avro.datafile import DataFileReader
from avro.io import DatumReader
def avro(p):
    with open(p[len("file://"):] if p.startswith("file://") else p, "rb") as f:
        return list(DataFileReader(f, DatumReader()))
meta = json.load(open(sys.argv[1]))
ref = set()
for s in meta["snapshots"]:
    ref.add(os.path.normpath(s["manifest-list"][len("file://"):]))
    for m in avro(s["manifest-list"]):
        ref.add(os.path.normpath(m["manifest_path"][len("file://"):]))
have = set(os.path.normpath(p) for p in glob.glob(os.path.join(os.path.dirname(sys.argv[1]), "*.avro")))
assert have == ref, ("orphans", sorted(have - ref), "missing", sorted(ref - have))
print("manifests: %d files, all referenced" % len(have))
PY

expected "$D"
check_table "$D" orders shop.orders || { echo "FAIL: icebird"; exit 1; }
list=$($PY -c 'import sys; print(",".join("%r" % l.strip() for l in open(sys.argv[1])))' "$D/live")
node "$ROOT/tools/duckdb-query.mjs" "SELECT partition, \"offset\" FROM read_parquet([$list])" > "$D/rows.json"
$PY - "$D/rows.json" "$D/expected-orders.jsonl" <<'PY' || { echo "FAIL: DuckDB rows"; exit 1; }
import json, sys
got = sorted(tuple(r) for r in json.load(open(sys.argv[1])))
want = sorted((e["partition"], e["offset"]) for e in map(json.loads, open(sys.argv[2])))
assert got == want, ("rows", len(got), len(want))
print("duckdb: %d rows exactly once" % len(got))
PY
echo "PASS"
