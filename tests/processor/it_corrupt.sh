#!/usr/bin/env bash
# A corrupt complete segment stops its partition with a clear error and
# exit 2; the other partitions are committed; nothing at or past the
# corrupt segment is committed for its partition. An incomplete segment
# (no .index, or a .kfs cut short without its footer) is never an error.
source "$(dirname "$0")/lib.sh"
D=$WORK/corrupt; mkdir -p "$D"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks,payments --partitions 2 \
  --records-per-partition 2000 --segment-bytes 30000 --codec none --value-bytes 100 \
  --seed 3 --quiet
mkdir -p "$D/segments/bucket"; cp -r "$D/all/prod" "$D/segments/bucket/"
# flip one byte inside the third segment of orders/1 (a batch CRC catches it)
victim=$(ls "$D"/segments/bucket/prod/orders/1/*.kfs | sort | sed -n 3p)
$PY - "$victim" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x40
open(p, "wb").write(bytes(b))
PY
vbase=$(basename "$victim" .kfs | sed 's/segment-0*//'); vbase=${vbase:-0}
write_config "$D"
set +e
"$BIN" --once -config="$D/config.yaml" 2> "$D/err"
rc=$?
set -e
[ $rc = 2 ] || { echo "expected exit 2, got $rc"; cat "$D/err"; exit 1; }
grep -q 'level=error msg="corrupt segment: partition stopped" topic=orders partition=1' "$D/err" || {
  echo "no clear error line"; cat "$D/err"; exit 1; }
grep -q "$(basename "$victim")" "$D/err" || { echo "error does not name the object"; exit 1; }
# expected: everything except orders/1 from the victim on
rm "$victim" "${victim%.kfs}.index"
for f in $(ls "$D"/segments/bucket/prod/orders/1/*.kfs | sort); do
  b=$(basename "$f" .kfs | sed 's/segment-0*//'); b=${b:-0}
  if [ "$b" -gt "$vbase" ]; then rm "$f" "${f%.kfs}.index"; fi
done
expected "$D"
for t in orders clicks payments; do check_table "$D" $t shop.$t; done
echo "1 passed, 0 failed"
