#!/usr/bin/env bash
# Appending always uses the table's default partition spec, whoever set it.
# Another engine makes shop.orders partitioned (identity(partition)) and
# shop.clicks partitioned then unpartitioned again (spec 2, no fields):
#   - orders: this version cannot write partition tuples yet, so its commit
#     is refused with an error naming the table and the spec; nothing is
#     committed and nothing is lost: once the default spec is unpartitioned
#     again the next run writes every record exactly once;
#   - clicks: the new snapshot's manifest says spec 2 (file metadata and
#     manifest list, read with python3-avro), and the table reads back
#     exactly (icebird + DuckDB);
#   - payments, untouched, goes on as before.
source "$(dirname "$0")/lib.sh"
D=$WORK/spec; mkdir -p "$D/all" "$D/segments/bucket"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks,payments --partitions 2 \
  --records-per-partition 300 --segment-bytes 12000 --codec none --value-bytes 60 --seed 5 --quiet
# the first segment of each partition, then the rest
for p in "$D"/all/prod/*/*/; do
  rel=${p#"$D/all/"}; mkdir -p "$D/segments/bucket/$rel"
  first=$(ls "$p" | grep '\.kfs$' | sort | head -1)
  cp "$p/$first" "$p/${first%.kfs}.index" "$D/segments/bucket/$rel/"
done
write_config "$D"
"$BIN" --once -config="$D/config.yaml" 2> "$D/log1" || { cat "$D/log1"; echo "FAIL: first run"; exit 1; }

$PY "$ROOT/tests/processor/spec_evolve.py" "$D/catalog.db" shop.orders "part=identity(partition)" > /dev/null
$PY "$ROOT/tests/processor/spec_evolve.py" "$D/catalog.db" shop.clicks "part=identity(partition)" > /dev/null
[ "$($PY "$ROOT/tests/processor/spec_evolve.py" "$D/catalog.db" shop.clicks)" = 2 ] || { echo "FAIL: clicks spec id"; exit 1; }
snapshots() { # TABLE -> number of snapshots of its current metadata
  read -r url file < <(metadata_of "$D" "$1")
  $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("snapshots", [])))' "${url#file://}/metadata/$file"
}
orders_before=$(snapshots shop.orders)
cp -r "$D"/all/prod "$D/segments/bucket/"
rc=0; "$BIN" --once -config="$D/config.yaml" 2> "$D/log2" || rc=$?
[ $rc != 0 ] || { cat "$D/log2"; echo "FAIL: a refused commit must fail the --once run"; exit 1; }
grep -q 'table shop.orders: its default partition spec 1 is partitioned (part=identity(source id [0-9]*)); this version appends to unpartitioned tables only: nothing is committed' "$D/log2" \
  || { cat "$D/log2"; echo "FAIL: orders: the error does not name the table and its spec"; exit 1; }
[ "$(snapshots shop.orders)" = "$orders_before" ] || { echo "FAIL: orders got a snapshot"; exit 1; }

# clicks: the new manifest is in spec 2, and its list entry says so
expected "$D"
read -r url file < <(metadata_of "$D" shop.clicks)
$PY - "${url#file://}/metadata/$file" <<'PY' || exit 1
import json, sys
from avro.datafile import DataFileReader
from avro.io import DatumReader
meta = json.load(open(sys.argv[1]))
snap = next(s for s in meta["snapshots"] if s["snapshot-id"] == meta["current-snapshot-id"])
lst = DataFileReader(open(snap["manifest-list"][len("file://"):], "rb"), DatumReader())
entries = [e for e in lst if e["added_snapshot_id"] == snap["snapshot-id"]]
assert len(entries) == 1 and entries[0]["partition_spec_id"] == 2, entries
man = DataFileReader(open(entries[0]["manifest_path"][len("file://"):], "rb"), DatumReader())
assert man.get_meta("partition-spec-id") == b"2", man.get_meta("partition-spec-id")
assert json.loads(man.get_meta("partition-spec")) == [], man.get_meta("partition-spec")
print("clicks: the new manifest and its list entry are in spec 2")
PY
check_table "$D" clicks shop.clicks > "$D/check-clicks" || { cat "$D/check-clicks"; echo "FAIL: clicks"; exit 1; }
check_table "$D" payments shop.payments > "$D/check-payments" || { cat "$D/check-payments"; echo "FAIL: payments"; exit 1; }

# orders, unpartitioned again: every record exactly once
$PY "$ROOT/tests/processor/spec_evolve.py" "$D/catalog.db" shop.orders > /dev/null
"$BIN" --once -config="$D/config.yaml" 2> "$D/log3" || { cat "$D/log3"; echo "FAIL: orders after the spec went back"; exit 1; }
check_table "$D" orders shop.orders > "$D/check-orders" || { cat "$D/check-orders"; echo "FAIL: orders"; exit 1; }
echo "ok: partitioned default spec refused with nothing lost; unpartitioned default spec 2 written as such"
