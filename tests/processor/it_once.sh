#!/usr/bin/env bash
# --once as a batch job run by hand:
#  (a) a run over a backlog of several seconds logs progress lines per
#      table and a closing summary whose records match the table;
#  (b) SIGINT or SIGTERM at random moments (and twice in a row: abort)
#      stops the run with exit 130/143 and leaves no file the table does
#      not reference; a final complete run has every record exactly once;
#  (c) a commit that definitely fails (REST 409 on every attempt, a 400)
#      leaves no data file, manifest or manifest list behind.
# The backlog is made slow on purpose (zstd level 19) so that a few
# thousand records last seconds without a big dataset.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/catalog/rest_lib.sh"

# orphans DIR TABLE... : files under each table's data/ and metadata/ that
# its current metadata does not reference (old *.metadata.json files are
# fine), printed one per line; catalog from DIR/catalog.db or, when
# DIR/rest-state exists, from the REST test server's state.
orphans() {
  local d=$1; shift
  local table url file
  for table in "$@"; do
    if [ -d "$d/rest-state" ]; then
      read -r url file < <(rest_metadata_of "$d" "$table")
    else
      read -r url file < <(metadata_of "$d" "$table")
    fi
    $PY -W ignore - "${url#file://}" "$file" <<'PY'
import json, os, sys
from avro.datafile import DataFileReader
from avro.io import DatumReader
root, name = sys.argv[1], sys.argv[2]
def local(u):
    for pre in ("file://", "file:"):
        if u.startswith(pre):
            return os.path.normpath(u[len(pre):])
    return os.path.normpath(u)
def avro(path):
    with open(path, "rb") as f:
        return list(DataFileReader(f, DatumReader()))
meta = json.load(open(os.path.join(root, "metadata", name)))
ref = set()
for s in meta.get("snapshots", []):
    ml = local(s["manifest-list"]); ref.add(ml)
    for m in avro(ml):
        mp = local(m["manifest_path"]); ref.add(mp)
        for e in avro(mp):
            ref.add(local(e["data_file"]["file_path"]))
for sub in ("data", "metadata"):
    for dp, _, fs in os.walk(os.path.join(root, sub)):
        for f in fs:
            p = os.path.normpath(os.path.join(dp, f))
            if f.endswith(".metadata.json") and not f.startswith(".tmp-"):
                continue
            if p not in ref:
                print(p, os.path.getsize(p))
PY
  done
}

# ---------------------------------------------------------------- (a)
A=$WORK/a; mkdir -p "$A"
"$SEGGEN" --out "$A/all" --namespace prod --topics orders,clicks,payments --partitions 2 \
  --records-per-partition 7000 --segment-bytes 100000 --codec mixed --value-bytes 200 \
  --seed 14 --quiet
mkdir -p "$A/segments/bucket"; cp -r "$A/all/prod" "$A/segments/bucket/"
write_config "$A" "progress_interval_seconds: 1" "target_file_size_bytes: 1048576"
sed -i 's/level: warn/level: info/' "$A/config.yaml"
printf 'parquet:\n  compression_level: 19\n' >> "$A/config.yaml"
start=$(date +%s.%N)
"$BIN" --once -config="$A/config.yaml" 2> "$A/log"
secs=$($PY -c "import sys; print(round($(date +%s.%N) - $start, 1))")
expected "$A"
n_progress=$(grep -c 'msg=progress' "$A/log" || true)
[ "$n_progress" -ge 2 ] || { cat "$A/log"; echo "(a) $n_progress progress lines in ${secs}s"; exit 1; }
grep 'msg=progress' "$A/log" | head -1 | grep -qE 'table=shop\.[a-z]+ records=[0-9]+ mb_per_s=[0-9.]+ segments_done=[0-9]+ segments_left=[0-9]+' ||
  { grep 'msg=progress' "$A/log"; echo "(a) progress line fields"; exit 1; }
grep -q 'msg="once finished" outcome=complete' "$A/log" || { cat "$A/log"; echo "(a) no finish line"; exit 1; }
for t in orders clicks payments; do
  check_table "$A" $t shop.$t
  want=$(wc -l < "$A/expected-$t.jsonl")
  grep -q "msg=\"once summary: table\" table=shop.$t snapshot=[0-9]* files=[0-9]* records=$want " "$A/log" ||
    { grep 'once summary' "$A/log"; echo "(a) summary of shop.$t does not say records=$want"; exit 1; }
  [ "$(grep -c "msg=\"once summary: partition\" table=shop.$t .*from=0 to=7000 segments_done=[0-9]* status=done" "$A/log")" = 2 ] ||
    { grep 'once summary' "$A/log"; echo "(a) partition summary of shop.$t"; exit 1; }
done
[ -z "$(orphans "$A" shop.orders shop.clicks shop.payments)" ] || { echo "(a) orphans"; exit 1; }
echo "(a) ${secs}s, $n_progress progress lines, summary records match"

# ---------------------------------------------------------------- (b)
B=$WORK/b; mkdir -p "$B/segments/bucket"
cp -r "$A/all" "$B/"; cp -r "$A/all/prod" "$B/segments/bucket/"
write_config "$B" "progress_interval_seconds: 1" "target_file_size_bytes: 1048576"
sed -i 's/level: warn/level: info/' "$B/config.yaml"
printf 'parquet:\n  compression_level: 19\n' >> "$B/config.yaml"
RANDOM=${ICP_ONCE_SEED:-6}
KILLS=${ICP_ONCE_KILLS:-5}
interrupted=0
for i in $(seq 1 "$KILLS"); do
  "$BIN" --once -config="$B/config.yaml" 2> "$B/log.$i" & pid=$!
  # 0.2 .. 1.9 s: while reading, at the commit (each run has less left)
  sleep "$((RANDOM % 2)).$((2 + RANDOM % 8))"
  sig=INT; code=130
  [ $((i % 4)) != 2 ] || { sig=TERM; code=143; }
  kill -$sig $pid 2>/dev/null || true
  # every third run: a second signal (abort without committing)
  if [ $((i % 3)) = 0 ]; then sleep 0.2; kill -$sig $pid 2>/dev/null || true; fi
  set +e; wait $pid; rc=$?; set -e
  case $rc in
    $code) interrupted=$((interrupted + 1))
         grep -q 'msg="once finished" outcome=\(interrupted\|aborted\)' "$B/log.$i" ||
           { cat "$B/log.$i"; echo "(b) run $i: exit 130 without an interrupted summary"; exit 1; } ;;
    0) grep -q 'outcome=complete' "$B/log.$i" || { cat "$B/log.$i"; echo "(b) run $i"; exit 1; } ;;
    *) cat "$B/log.$i"; echo "(b) run $i exited $rc after SIG$sig"; exit 1 ;;
  esac
  # nothing left behind by the stopped run (tables exist after the first)
  if [ -f "$B/catalog.db" ]; then
    left=$(orphans "$B" shop.orders shop.clicks shop.payments)
    [ -z "$left" ] || { echo "$left"; cat "$B/log.$i"; echo "(b) run $i left orphan files"; exit 1; }
  fi
done
"$BIN" --once -config="$B/config.yaml" 2> "$B/log.final"
grep -q 'outcome=complete' "$B/log.final" || { cat "$B/log.final"; exit 1; }
expected "$B"
for t in orders clicks payments; do check_table "$B" $t shop.$t; done
left=$(orphans "$B" shop.orders shop.clicks shop.payments)
[ -z "$left" ] || { echo "$left"; echo "(b) orphan files after the final run"; exit 1; }
echo "(b) $interrupted of $KILLS runs interrupted (exit 130/143), 0 orphan files, every record once"

# ---------------------------------------------------------------- (c)
nc=0
for fault in '{"random": {"409": 1.0}}' '{"random": {"400-before": 1.0}}'; do
  C=$WORK/c$((++nc)); mkdir -p "$C/segments/bucket"
  cp -r "$A/all/prod" "$C/segments/bucket/"
  start_server "$C" --faults "$fault"
  MAPPINGS='  - {topic: orders, table: shop.orders, create_table_if_missing: true}' \
    write_rest_config "$C" "$URL"
  sed -i "s/level: warn/level: info/" "$C/config.yaml"
  set +e; "$BIN" --once -config="$C/config.yaml" 2> "$C/log"; rc=$?; set -e
  [ $rc != 0 ] || { cat "$C/log"; echo "(c) $fault: exit 0"; exit 1; }
  grep -q 'msg="once summary: table" table=shop.orders snapshot=none files=0 records=0 abandoned_records=14000 outcome=failed' "$C/log" ||
    { cat "$C/log"; echo "(c) $fault: summary"; exit 1; }
  [ "$(grep -c 'msg="once summary: partition" table=shop.orders .* from=0 to=0 .*status="not committed"' "$C/log")" = 2 ] ||
    { cat "$C/log"; echo "(c) $fault: partition summary"; exit 1; }
  left=$(orphans "$C" shop.orders)
  [ -z "$left" ] || { echo "$left"; echo "(c) $fault left files behind"; exit 1; }
  n=$(find "$C/warehouse" -name '*.parquet' -o -name '*.avro' -o -name '.tmp-*' | wc -l)
  [ "$n" = 0 ] || { find "$C/warehouse"; echo "(c) $fault: $n files"; exit 1; }
  echo "(c) $fault: exit $rc, nothing left in the warehouse"
done
echo "3 passed, 0 failed"
