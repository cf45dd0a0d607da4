#!/usr/bin/env bash
# End to end on embedded defaults: segments of 3 topics (mixed codecs,
# control batches) -> --once -> Iceberg tables in a SQLite catalog, read back
# by icebird and compared record by record; then more segments arrive and a
# second run appends exactly the new records; a third run with nothing new
# adds no snapshot.
source "$(dirname "$0")/lib.sh"
D=$WORK/e2e; mkdir -p "$D"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks,payments --partitions 3 \
  --records-per-partition 3000 --segment-bytes 60000 --codec mixed --value-bytes 150 \
  --control-every 7 --batch-records 25 --seed 11 --quiet
mkdir -p "$D/segments/bucket"
cp -r "$D/all/prod" "$D/segments/bucket/"
# hold back the last two segments of every partition for the second run
held=$WORK/held; mkdir -p "$held"
for p in "$D"/segments/bucket/prod/*/*/; do
  for f in $(ls "$p"*.kfs | sort | tail -2); do
    mkdir -p "$held/${p#$D/segments/}"; mv "$f" "${f%.kfs}.index" "$held/${p#$D/segments/}"
  done
done
# an upload in progress: a .kfs without its .index is never read
first=$(ls "$held"/bucket/prod/orders/0/*.kfs | head -1)
cp "$first" "$D/segments/bucket/prod/orders/0/"
# a .kfs still being written (no END! footer yet) but with its .index:
# not complete, so not read and not an error
part=$(ls "$held"/bucket/prod/clicks/0/*.kfs | head -1)
head -c 3000 "$part" > "$D/segments/bucket/prod/clicks/0/$(basename "$part")"
cp "${part%.kfs}.index" "$D/segments/bucket/prod/clicks/0/"
# every shape of key, value and header (binary, null, non-UTF-8, escapes)
mkdir -p "$D/segments/bucket/prod/orders/7"
cp "$ROOT"/tests/data/segments/plain/segment-* "$D/segments/bucket/prod/orders/7/"
write_config "$D" "target_file_size_bytes: 1048576"

"$BIN" --once -config="$D/config.yaml"
rm "$D/segments/bucket/prod/orders/0/$(basename "$first")"
rm "$D/segments/bucket/prod/clicks/0/$(basename "$part")" "$D/segments/bucket/prod/clicks/0/$(basename "${part%.kfs}.index")"
expected "$D"
for t in orders clicks payments; do check_table "$D" $t shop.$t; done
n1=$(wc -l < "$D/expected-orders.jsonl")

cp -r "$held/bucket/prod" "$D/segments/bucket/"
"$BIN" --once -config="$D/config.yaml"
expected "$D"
n2=$(wc -l < "$D/expected-orders.jsonl")
[ "$n2" -gt "$n1" ] || { echo "second run had no new records ($n1 -> $n2)"; exit 1; }
for t in orders clicks payments; do check_table "$D" $t shop.$t; done
out=$(check_table "$D" orders shop.orders)
snaps=$(echo "$out" | $PY -c 'import sys,json; print(json.load(sys.stdin)["snapshots"])')

"$BIN" --once -config="$D/config.yaml"
out=$(check_table "$D" orders shop.orders)
snaps2=$(echo "$out" | $PY -c 'import sys,json; print(json.load(sys.stdin)["snapshots"])')
[ "$snaps" = "$snaps2" ] || { echo "idle run added a snapshot ($snaps -> $snaps2)"; exit 1; }
# the summary carries the offsets: next offset per partition = last + 1
echo "$out" | $PY -c '
import sys, json
s = json.load(sys.stdin)["summary"]
offs = json.loads(s["kafscale.offsets"])
assert set(offs) == {"orders/0", "orders/1", "orders/2", "orders/7"}, offs
assert s["operation"] == "append" and int(s["total-records"]) > 0, s
print("summary ok:", offs)'
# the local offsets cache mirrors the etcd value shape
$PY -c '
import json, sys
c = json.load(open(sys.argv[1]))
assert all(set(v) == {"offset", "last_timestamp_ms", "updated_at"} for v in c.values()), c
print("cache ok:", len(c), "partitions")' "$D/state/offsets.json"
echo "1 passed, 0 failed"
