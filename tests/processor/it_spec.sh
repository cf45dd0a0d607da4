#!/usr/bin/env bash
# Appending always uses the table's default partition spec, whoever set it.
# Another engine (spec_evolve.py, as Spark's ALTER TABLE ADD PARTITION
# FIELD would) changes the specs of tables this processor already wrote:
#   - orders: partitioned by identity(partition) and bucket[4](key): the
#     next run writes files with those tuples (manifests read with
#     python3-avro, tuples checked against independently computed
#     transforms: partition_check.py), and the table reads back exactly
#     (icebird + DuckDB);
#   - clicks: partitioned then unpartitioned again (spec 2, no fields): the
#     new snapshot's manifest says spec 2 (file metadata and manifest
#     list), and the table reads back exactly;
#   - payments: a spec with a transform this version does not know: the
#     run fails naming the table and the spec, nothing is committed and
#     nothing is lost: once the default spec is unpartitioned again the
#     next run writes every record exactly once.
source "$(dirname "$0")/lib.sh"
D=$WORK/spec; mkdir -p "$D/all" "$D/segments/bucket"
"$SEGGEN" --out "$D/all" --namespace prod --topics orders,clicks,payments --partitions 2 \
  --records-per-partition 600 --segment-bytes 12000 --codec none --value-bytes 60 --seed 5 --quiet
# the first segment of each partition, then the rest
for p in "$D"/all/prod/*/*/; do
  rel=${p#"$D/all/"}; mkdir -p "$D/segments/bucket/$rel"
  first=$(ls "$p" | grep '\.kfs$' | sort | head -1)
  cp "$p/$first" "$p/${first%.kfs}.index" "$D/segments/bucket/$rel/"
done
write_config "$D"
"$BIN" --once -config="$D/config.yaml" 2> "$D/log1" || { cat "$D/log1"; echo "FAIL: first run"; exit 1; }

$PY "$ROOT/tests/processor/spec_evolve.py" "$D/catalog.db" shop.orders "part=identity(partition)" "kb=bucket[4](key)" > /dev/null
$PY "$ROOT/tests/processor/spec_evolve.py" "$D/catalog.db" shop.clicks "part=identity(partition)" > /dev/null
[ "$($PY "$ROOT/tests/processor/spec_evolve.py" "$D/catalog.db" shop.clicks)" = 2 ] || { echo "FAIL: clicks spec id"; exit 1; }
cp -r "$D"/all/prod/orders "$D"/all/prod/clicks "$D/segments/bucket/prod/"
"$BIN" --once -config="$D/config.yaml" 2> "$D/log2" || { cat "$D/log2"; echo "FAIL: run 2"; exit 1; }

# orders: written with the other engine's spec
read -r url file < <(metadata_of "$D" shop.orders)
node "$ROOT/tools/duckdb-query.mjs" "SELECT filename, partition, hex(key) FROM read_parquet('${url#file://}/data/**/*.parquet', filename=true)" > "$D/orders-rows.json"
$PY "$ROOT/tests/processor/partition_check.py" "${url#file://}/metadata/$file" "$D/orders-rows.json" identity:partition bucket:4:key \
  || { echo "FAIL: orders partition tuples"; exit 1; }

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
check_table "$D" orders shop.orders > "$D/check-orders" || { cat "$D/check-orders"; echo "FAIL: orders"; exit 1; }

# payments: a transform this version does not know. --once fails naming
# the table and the spec; nothing committed
$PY "$ROOT/tests/processor/spec_evolve.py" "$D/catalog.db" shop.payments "z=zorder(partition)" > /dev/null
snapshots() { # TABLE -> number of snapshots of its current metadata
  read -r url file < <(metadata_of "$D" "$1")
  $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("snapshots", [])))' "${url#file://}/metadata/$file"
}
payments_before=$(snapshots shop.payments)
cp -r "$D"/all/prod/payments "$D/segments/bucket/prod/"
rc=0; "$BIN" --once -config="$D/config.yaml" 2> "$D/log3" || rc=$?
[ $rc != 0 ] || { cat "$D/log3"; echo "FAIL: a table that cannot be written must fail the --once run"; exit 1; }
grep -q 'table shop.payments: its default partition spec 1 cannot be written with (.*zorder.*); nothing is appended, the records stay in the segments' "$D/log3" \
  || { cat "$D/log3"; echo "FAIL: payments: the error does not name the table and its spec"; exit 1; }
[ "$(snapshots shop.payments)" = "$payments_before" ] || { echo "FAIL: payments got a snapshot"; exit 1; }

# payments, unpartitioned again: every record exactly once
$PY "$ROOT/tests/processor/spec_evolve.py" "$D/catalog.db" shop.payments > /dev/null
"$BIN" --once -config="$D/config.yaml" 2> "$D/log4" || { cat "$D/log4"; echo "FAIL: payments after the spec went back"; exit 1; }
expected "$D"
check_table "$D" payments shop.payments > "$D/check-payments" || { cat "$D/check-payments"; echo "FAIL: payments"; exit 1; }
echo "ok: another engine's spec written with; an unknown transform refused with nothing lost; unpartitioned default spec 2 written as such"
