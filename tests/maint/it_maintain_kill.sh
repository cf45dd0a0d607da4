#!/usr/bin/env bash
# kill -9 at random moments during `iceberg-processor maintain` (issue 17):
# the table stays readable and exactly once.
#   Each round commits 3 small --once runs into shop.orders, then starts a
#   maintenance pass (compact: target 1 MiB, min 3 input files; expire:
#   max age 0, keep 3; orphans: min age 0, nothing else writes meanwhile)
#   and kills it with SIGKILL after a seeded random delay within a window
#   that starts at the length of an unkilled pass and adapts (shorter
#   after a kill that came too late, longer after one that came before
#   any commit of the pass). ICP_MAINT_KILLS rounds (default 50,
#   as in `make test`'s release run; its ASan run samples 20, Makefile).
#   After every kill: every file that any snapshot of the committed
#   metadata names exists (reach.py: manifest lists, manifests, data
#   files), and every 10th round and at the end icebird reads the table
#   exactly (every record once). The kills must have landed at different
#   moments: some after a commit of the pass (the table moved), some while
#   data files it wrote were unreferenced (a rewrite not committed, or
#   inputs not yet deleted).
#   At the end, one unkilled pass: the table is exact (icebird, and DuckDB
#   over the current snapshot's files: count = distinct offsets = the
#   segments' records), data files on disk
#   are exactly the live ones (killed passes' outputs were orphans and are
#   gone), and the next --once continues exactly.
source "$(dirname "$0")/../processor/lib.sh"
KILLS=${ICP_MAINT_KILLS:-50}
D=$WORK/mk; mkdir -p "$D/all" "$D/segments/bucket/prod/orders/0"
fail() { echo "FAIL: $*"; exit 1; }
NSEG=$((KILLS * 3 + 8))
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 1 \
  --records-per-partition $((NSEG * 12)) --segment-bytes 1500 --batch-records 10 --codec none \
  --value-bytes 40 --seed 23 --quiet
mapfile -t SEGS < <(ls "$D/all/prod/orders/0" | grep '\.kfs$' | sort)
[ ${#SEGS[@]} -ge "$NSEG" ] || fail "only ${#SEGS[@]} segments"
write_config "$D"
cat >> "$D/config.yaml" <<'YAML'
maintenance:
  expire_snapshots: {max_age_seconds: 0, min_keep: 3}
  compaction: {target_file_size_bytes: 1048576, min_input_files: 3}
  remove_orphans: {min_age_seconds: 0}
YAML
next=0
commit_one() {
  local s=${SEGS[$next]}
  cp "$D/all/prod/orders/0/$s" "$D/all/prod/orders/0/${s%.kfs}.index" "$D/segments/bucket/prod/orders/0/"
  next=$((next + 1))
  "$BIN" --once -config="$D/config.yaml" 2> "$D/once.log" || { cat "$D/once.log"; fail "--once $next"; }
}
meta() { read -r url file < <(metadata_of "$D" shop.orders); echo "${url#file://}/metadata/$file"; }
reach() { $PY "$ROOT/tests/maint/reach.py" "$(meta)" > "$D/reach.json" || fail "a file a snapshot names is gone ($1)"; }
exact() { expected "$D"; check_table "$D" orders shop.orders > "$D/check" 2>&1 || { cat "$D/check"; fail "table not exact ($1)"; }; }

# an unkilled pass over 3 new commits: how long a pass lasts here
for _ in 1 2 3 4 5; do commit_one; done
t0=$(date +%s%3N)
"$BIN" maintain -config="$D/config.yaml" > "$D/m0.out" 2> "$D/m0.log" || { cat "$D/m0.out" "$D/m0.log"; fail "first pass"; }
span=$(( $(date +%s%3N) - t0 ))
[ "$span" -ge 20 ] || span=20
echo "unkilled pass: ${span} ms"
exact "first pass"

RANDOM=17
hit=0 moved=0 orphaned=0 win=$span
for ((r = 1; r <= KILLS; r++)); do
  for _ in 1 2 3; do commit_one; done
  delay=$(( RANDOM % (win + 1) ))
  before=$(meta)
  "$BIN" maintain -config="$D/config.yaml" > "$D/m.out" 2> "$D/m.log" &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  landed=0
  if kill -9 "$pid" 2>/dev/null; then hit=$((hit + 1)); landed=1; fi
  wait "$pid" 2>/dev/null || true
  reach "round $r, kill after ${delay} ms"
  # where the kill landed: after a commit of the pass (the table moved),
  # and/or while files it wrote were not (or no longer) referenced
  [ "$landed" = 0 ] || [ "$(meta)" = "$before" ] || moved=$((moved + 1))
  left=$($PY -c '
import json, os, sys
j = json.load(open(sys.argv[1]))
named = set(p for fs in j["snapshots"].values() for p in fs)
disk = set(os.path.join(d, f) for d, _, fs in os.walk(sys.argv[2]) for f in fs)
print(len(disk - named))' "$D/reach.json" "$(dirname "$(dirname "$(meta)")")/data")
  [ "$landed" = 0 ] || [ "$left" = 0 ] || orphaned=$((orphaned + 1))
  # the window follows the pass's length on this machine (sanitizers,
  # load): a kill after the pass ended shrinks it, one before the pass
  # committed anything grows it, so kills keep straddling the commits
  if [ "$landed" = 0 ]; then win=$(( win * 3 / 4 ))
  elif [ "$(meta)" = "$before" ]; then win=$(( win * 5 / 4 + 1 )); fi
  [ "$win" -ge 10 ] || win=10
  [ "$win" -le $((span * 20)) ] || win=$((span * 20))
  if (( r % 10 == 0 )); then exact "round $r"; fi
done
echo "kills: $KILLS rounds (last window ${win} ms), $hit landed while maintain ran, $moved after a commit of the pass, $orphaned left unreferenced data files"
[ "$hit" -ge $((KILLS / 3)) ] || fail "only $hit of $KILLS kills landed during a pass"
[ "$moved" -ge 1 ] && [ "$orphaned" -ge 1 ] || fail "the kills never landed after a commit or never left files behind"

"$BIN" maintain -config="$D/config.yaml" > "$D/mz.out" 2> "$D/mz.log" || { cat "$D/mz.out" "$D/mz.log"; fail "last pass"; }
cat "$D/mz.out"
reach "last pass"
exact "last pass"
tdir=$(dirname "$(dirname "$(meta)")")
live=$($PY -c '
import json, sys
j = json.load(open(sys.argv[1]))
cur = j["snapshots"][str(j["current"])]
print("\n".join(sorted(p for p in cur if "/data/" in p)))' "$D/reach.json" | sort -u)
disk=$(find "$tdir/data" -type f -name '*.parquet' | sort)
# every snapshot kept (3) may still name files the current one replaced
kept=$($PY -c '
import json, sys
j = json.load(open(sys.argv[1]))
print("\n".join(sorted(set(p for fs in j["snapshots"].values() for p in fs if "/data/" in p))))' "$D/reach.json")
[ "$disk" = "$kept" ] || { diff <(echo "$disk") <(echo "$kept") | head; fail "data files on disk are not the ones the kept snapshots name"; }
[ -n "$live" ] || fail "no live data files"
# DuckDB reads the current snapshot's files: every record once, the same
# rows as the segments hold
list=$($PY - "$(meta)" <<'PY'
import json, sys, warnings
warnings.simplefilter("ignore")
from avro.datafile import DataFileReader
from avro.io import DatumReader
def local(u): return u[len("file://"):] if u.startswith("file://") else u
def avro(p):
    with open(local(p), "rb") as f: return list(DataFileReader(f, DatumReader()))
m = json.load(open(sys.argv[1]))
s = next(x for x in m["snapshots"] if x["snapshot-id"] == m["current-snapshot-id"])
# live entries only: a replace snapshot keeps its inputs as DELETED
print(",".join("'%s'" % local(e["data_file"]["file_path"])
               for l in avro(s["manifest-list"]) for e in avro(l["manifest_path"]) if e["status"] != 2))
PY
)
node "$ROOT/tools/duckdb-query.mjs" "SELECT count(*), count(DISTINCT \"offset\"), min(\"offset\"), max(\"offset\") FROM read_parquet([$list])" > "$D/duck.json"
want=$(wc -l < "$D/expected-orders.jsonl")
$PY -c '
import json, sys
(n, d, lo, hi), = json.load(open(sys.argv[1]))
want = int(sys.argv[2])
assert n == d == want and lo == 0 and hi == want - 1, (n, d, lo, hi, want)' "$D/duck.json" "$want" ||
  { cat "$D/duck.json"; fail "DuckDB: rows not exactly once (want $want)"; }

# the next run continues exactly
commit_one; commit_one
exact "next --once"
echo "it_maintain_kill: ok"
