#!/usr/bin/env bash
# Fair turns in run mode: a backlog on one topic does not hold back the
# commits of another table, and commit_interval_seconds holds during the
# backlog too. Asserted by the order of events, not by timing: the small
# table's first commit comes before the big table is caught up, and the big
# table commits more than once while its backlog is read (the old loop read
# the whole backlog, then committed every table once).
source "$(dirname "$0")/lib.sh"
D=$WORK/fair; mkdir -p "$D/segments/bucket"
# The backlog must outlast several commit intervals whatever the build's
# speed (release with a pool, ASan, TSan): calibrate on one partition,
# then add partitions of the same size until it would take >= 4 s.
PER=1000000
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics big --partitions 1 \
  --records-per-partition $PER --segment-bytes 16M --codec none --value-bytes 100 --seed 3 --quiet
mkdir -p "$D/cal"
cat > "$D/cal/config.yaml" <<YAML
s3: {endpoint: "file://$D/segments", bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: "sqlite://$D/cal/catalog.db"}
  warehouse: "file://$D/cal/warehouse"
offsets: {backend: local, local_path: "$D/cal/offsets.json"}
log: {level: warn}
mappings:
  - {topic: big, table: shop.big, create_table_if_missing: true}
YAML
t0=$(date +%s%N); "$BIN" --once -config="$D/cal/config.yaml"; t1=$(date +%s%N)
rm -rf "$D/cal"
parts=$(( 4000000000 / (t1 - t0 + 1) + 1 )); [ $parts -le 8 ] || parts=8
if [ $parts -gt 1 ]; then
  "$SEGGEN" --out "$D/more" --namespace prod --topics big --partitions $parts \
    --records-per-partition $PER --segment-bytes 16M --codec none --value-bytes 100 --seed 4 --quiet
  for i in $(seq 1 $((parts - 1))); do mv "$D/more/prod/big/$i" "$D/segments/bucket/prod/big/$i"; done
  rm -rf "$D/more"
fi
TOTAL=$((parts * PER))
echo "calibration: $PER records in $(( (t1 - t0) / 1000000 )) ms; backlog: $parts partitions, $TOTAL records"
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics small --partitions 1 \
  --records-per-partition 100 --segment-bytes 1M --codec none --value-bytes 50 --seed 4 --quiet
cat > "$D/config.yaml" <<YAML
s3: {endpoint: "file://$D/segments", bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: "sqlite://$D/catalog.db"}
  warehouse: "file://$D/warehouse"
offsets: {backend: local, local_path: "$D/offsets.json"}
processor: {poll_interval_seconds: 1, commit_interval_seconds: 1}
log: {level: info}
mappings:
  - {topic: big, table: shop.big, create_table_if_missing: true}
  - {topic: small, table: shop.small, create_table_if_missing: true}
YAML
"$BIN" -config="$D/config.yaml" 2> "$D/log" &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
# wait until the big table holds the whole backlog
for _ in $(seq 1 600); do
  n=$({ grep 'msg=committed table=shop.big' "$D/log" || true; } | sed -n 's/.* records=\([0-9]*\).*/\1/p' |
      awk '{s+=$1} END {print s+0}')
  [ "$n" -ge "$TOTAL" ] && break
  sleep 0.2
done
kill -TERM $pid; wait $pid || { echo "FAIL: exit status $?"; tail -40 "$D/log"; exit 1; }
$PY - "$D/log" "$TOTAL" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
commits = [(i, m.group(1), int(m.group(2))) for i, l in enumerate(lines)
           for m in [re.search(r'msg=committed table=(\S+) .*records=(\d+)', l)] if m]
big = [c for c in commits if c[1] == "shop.big"]
small = [c for c in commits if c[1] == "shop.small"]
fail = []
if sum(c[2] for c in big) != int(sys.argv[2]):
    fail.append("big table committed %d records, want %s" % (sum(c[2] for c in big), sys.argv[2]))
if sum(c[2] for c in small) != 100:
    fail.append("small table committed %d records, want 100" % sum(c[2] for c in small))
if len(big) < 2:
    fail.append("big table committed %d time(s) while reading its backlog; want >= 2 "
                "(commit interval 1 s)" % len(big))
if small and big and small[0][0] > big[-1][0]:
    fail.append("the small table's first commit came after the big table caught up")
print("commits: big %d, small %d; small's first commit at log line %d, big's last at %d" %
      (len(big), len(small), small[0][0] if small else -1, big[-1][0] if big else -1))
for f in fail:
    print("FAIL:", f)
sys.exit(1 if fail else 0)
PY

# 2. A lone partition has no other to take turns with: its table still
# commits on its interval while it reads its backlog (the same records, in
# one partition).
rm -rf "$D/segments/bucket/prod/big" "$D/warehouse" "$D/catalog.db" "$D/offsets.json"
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics lone --partitions 1 \
  --records-per-partition $TOTAL --segment-bytes 16M --codec none --value-bytes 100 --seed 5 --quiet
sed -i -e 's/topic: big, table: shop.big/topic: lone, table: shop.lone/' -e '/topic: small/d' \
  "$D/config.yaml"
"$BIN" -config="$D/config.yaml" 2> "$D/log2" &
pid=$!
for _ in $(seq 1 600); do
  n=$({ grep 'msg=committed table=shop.lone' "$D/log2" || true; } |
      sed -n 's/.* records=\([0-9]*\).*/\1/p' | awk '{s+=$1} END {print s+0}')
  [ "$n" -ge "$TOTAL" ] && break
  sleep 0.2
done
kill -TERM $pid; wait $pid || { echo "FAIL: exit status $?"; tail -40 "$D/log2"; exit 1; }
lone=$(grep -c 'msg=committed table=shop.lone' "$D/log2" || true)
echo "lone partition: $n of $TOTAL records in $lone commits"
[ "$n" = "$TOTAL" ] || { echo "FAIL: lone table committed $n records, want $TOTAL"; exit 1; }
[ "$lone" -ge 2 ] || { echo "FAIL: the lone partition's table committed $lone time(s) while \
reading its backlog; want >= 2 (commit interval 1 s)"; exit 1; }
echo "1 passed, 0 failed"
