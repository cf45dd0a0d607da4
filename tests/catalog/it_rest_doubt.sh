#!/usr/bin/env bash
# A commit whose outcome stays unknown: the REST server applies it, answers
# 503, and then fails the next table loads too ("blind_loads"), so the
# running processor cannot see that its snapshot landed. Its commit fails
# "in doubt"; the following commit meets a stale parent (409), reloads,
# finds the offsets moved and rewinds. The data files of the landed
# snapshot must survive that (they are referenced by the table), and every
# record must be in the table exactly once: icebird + DuckDB read every
# file the table references.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/rest_lib.sh"
D=$WORK/doubt; mkdir -p "$D"
start_server "$D"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders --partitions 2 \
  --records-per-partition 600 --segment-bytes 8000 --codec mixed --seed 4 --quiet
mkdir -p "$D/segments/bucket/prod/orders"
release() { # FIRST LAST: segments with index FIRST..LAST (1-based) of each partition
  local p f i
  for p in 0 1; do
    mkdir -p "$D/segments/bucket/prod/orders/$p"; i=0
    for f in $(ls "$D/all/prod/orders/$p/"*.kfs | sort); do
      i=$((i + 1)); [ $i -ge "$1" ] && [ $i -le "$2" ] || continue
      cp "${f%.kfs}.index" "$f" "$D/segments/bucket/prod/orders/$p/"
    done
  done
}
MAPPINGS='  - {topic: orders, table: shop.orders, create_table_if_missing: true}' write_rest_config "$D" "$URL"
sed -i 's/level: warn/level: info/' "$D/config.yaml"
# one commit applied-then-503, then 10 failing loads: the in-call reload
# (4 tries) and the next commit's reload (4 tries) see nothing
set_faults "$URL" '{"queue": ["503-after"], "blind_loads": 10}'
release 1 3
"$BIN" -config="$D/config.yaml" 2> "$D/proc.log" & PID=$!
SERVER_PIDS+=($PID)
committed_to() { # WANT: both partitions' offsets in the local file == WANT
  $PY - "$D/state/offsets.json" "$1" <<'PY' 2> /dev/null
import json, sys
d = json.load(open(sys.argv[1])); w = int(sys.argv[2])
sys.exit(0 if len(d) == 2 and all(v["offset"] == w for v in d.values()) else 1)
PY
}
last_of() { # N segments released -> last offset in them (same for both partitions)
  "$BIN" dump-segment "$(ls "$D/segments/bucket/prod/orders/0/"*.kfs | sort | tail -1)" |
    tail -1 | $PY -c 'import json,sys; print(json.loads(sys.stdin.read())["offset"])'
}
want=$(last_of)
for _ in $(seq 200); do committed_to "$want" && break; sleep 0.1; done
committed_to "$want" || { cat "$D/proc.log"; echo "first segments not committed"; exit 1; }
grep -q "data files of a commit with an unknown outcome kept" "$D/proc.log" ||
  { cat "$D/proc.log"; echo "the in-doubt path was not exercised"; exit 1; }
# more data afterwards: the processor carries on normally
release 4 999
want=$(last_of)
for _ in $(seq 200); do committed_to "$want" && break; sleep 0.1; done
committed_to "$want" || { cat "$D/proc.log"; echo "later segments not committed"; exit 1; }
kill -TERM $PID; wait $PID || { cat "$D/proc.log"; echo "exit $?"; exit 1; }
expected "$D"
rest_check_table "$D" orders shop.orders > "$D/check.json" || { cat "$D/check.json"; exit 1; }
$PY - "$(stats "$URL")" "$D/check.json" <<'PY'
import json, sys
s = json.loads(sys.argv[1]); c = json.load(open(sys.argv[2]))
assert s.get("blind_loads", 0) == 10, s
assert c["problems"] == 0 and c["rows"] == c["expected"], c
print("unknown outcome unseen through %d failed loads: %d rows exactly once, every referenced file present"
      % (s["blind_loads"], c["rows"]))
PY
echo "1 passed, 0 failed"
