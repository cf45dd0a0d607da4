#!/usr/bin/env bash
# mappings[].partition_by evolves the table's default partition spec when
# the table is opened (no data needed: the buckets are empty, tables are
# created and opened at start). On the SQLite catalog:
#   1. [day(event_time), bucket(4, key)] -> spec 1 is default, field ids
#      1000/1001, transforms day/bucket[4], names event_time_day/key_bucket,
#      last-partition-id 1001 (logged as "partition spec evolved");
#   2. the same again -> no new metadata version;
#   3. [bucket(8, key)] -> spec 2 added, bucket[8] gets field id 1002, the
#      earlier specs are kept;
#   4. the first list again -> spec 1 is default again, no spec added;
#   5. [] -> unpartitioned spec 0 is default again, no spec added;
#   6. partition_by absent -> no new metadata version;
#   7. a registry-sourced mapping naming a column the registry does not
#      have -> the table is refused, the error names table and expression;
#      with the registry down the table keeps its spec (warned).
# On the REST test catalog, steps 1, 3 and 4 (set-default-spec by id for a
# spec the table has: Java catalogs refuse -1 there).
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/catalog/rest_lib.sh"

P1='["day(event_time)", "bucket(4, key)"]'
P3='["bucket(8, key)"]'

# set_mapping DIR PARTITION_BY|"" : one mapping (orders -> shop.orders),
# log level info; "" leaves partition_by out
set_mapping() {
  $PY - "$1/config.yaml" "$2" <<'PY'
import sys
p, pb = sys.argv[1], sys.argv[2]
head = open(p).read().split("mappings:\n")[0].replace("level: warn", "level: info")
m = ("mappings:\n  - topic: orders\n    table: shop.orders\n    create_table_if_missing: true\n"
     "    timestamp_column: event_time\n")
if pb:
    m += "    partition_by: " + pb + "\n"
open(p, "w").write(head + m)
PY
}

# check_meta FILE DEFAULT_ID N_SPECS LAST_PARTITION_ID [name:transform:field_id:source ...]
# the default spec has exactly these fields (source: column name)
check_meta() {
  $PY - "$@" <<'PY'
import json, sys
path, dflt, nspecs, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
md = json.load(open(path))
assert md["default-spec-id"] == dflt, ("default-spec-id", md["default-spec-id"], dflt)
assert len(md["partition-specs"]) == nspecs, ("specs", md["partition-specs"])
assert md["last-partition-id"] == last, ("last-partition-id", md["last-partition-id"], last)
schema = next(s for s in md["schemas"] if s["schema-id"] == md["current-schema-id"])
cols = {f["id"]: f["name"] for f in schema["fields"]}
spec = next(s for s in md["partition-specs"] if s["spec-id"] == dflt)
got = ["%s:%s:%d:%s" % (f["name"], f["transform"], f["field-id"], cols[f["source-id"]])
       for f in spec["fields"]]
assert got == sys.argv[5:], ("default spec fields", got, sys.argv[5:])
PY
}
SPEC1="event_time_day:day:1000:event_time key_bucket:bucket[4]:1001:key"
SPEC2="key_bucket:bucket[8]:1002:key"

# ---------------------------------------------------------------- SQLite
D=$WORK/sql; mkdir -p "$D/segments/bucket"
sql_meta() { local url file; read -r url file < <(metadata_of "$D" shop.orders); echo "${url#file://}/metadata/$file"; }
run() { # LOGNAME: one --once run that must succeed
  "$BIN" --once -config="$D/config.yaml" 2> "$D/$1" || { cat "$D/$1"; echo "FAIL: $1"; exit 1; }
}
write_config "$D"

set_mapping "$D" "$P1"; run log1
check_meta "$(sql_meta)" 1 2 1001 $SPEC1 || { echo "FAIL: step 1"; exit 1; }
grep -q '"partition spec evolved" table=shop.orders old_spec_id=0 new_spec_id=1 fields="event_time_day=day, key_bucket=bucket\[4\]"' "$D/log1" \
  || { cat "$D/log1"; echo "FAIL: step 1: no log line"; exit 1; }
m1=$(sql_meta)

run log2
[ "$(sql_meta)" = "$m1" ] || { echo "FAIL: step 2: unchanged partition_by committed ($(sql_meta))"; exit 1; }
! grep -q 'partition spec evolved' "$D/log2" || { cat "$D/log2"; echo "FAIL: step 2 logged an evolution"; exit 1; }

set_mapping "$D" "$P3"; run log3
check_meta "$(sql_meta)" 2 3 1002 $SPEC2 || { echo "FAIL: step 3"; exit 1; }
check_meta "$(sql_meta)" 2 3 1002 $SPEC2 && $PY - "$(sql_meta)" <<'PY' || { echo "FAIL: step 3: old specs"; exit 1; }
import json, sys
md = json.load(open(sys.argv[1]))
specs = {s["spec-id"]: [(f["transform"], f["field-id"]) for f in s["fields"]] for s in md["partition-specs"]}
assert specs == {0: [], 1: [("day", 1000), ("bucket[4]", 1001)], 2: [("bucket[8]", 1002)]}, specs
PY

set_mapping "$D" "$P1"; run log4
check_meta "$(sql_meta)" 1 3 1002 $SPEC1 || { echo "FAIL: step 4"; exit 1; }

set_mapping "$D" "[]"; run log5
check_meta "$(sql_meta)" 0 3 1002 || { echo "FAIL: step 5"; exit 1; }
m5=$(sql_meta)

set_mapping "$D" ""; run log6
[ "$(sql_meta)" = "$m5" ] || { echo "FAIL: step 6: absent partition_by committed"; exit 1; }
check_meta "$(sql_meta)" 0 3 1002 || { echo "FAIL: step 6"; exit 1; }
echo "sqlite: steps 1-6 ok"

# step 7: registry-sourced mapping, partition_by names a column the
# registry's document does not have (only known at open)
R=$WORK/reg; mkdir -p "$R/segments/bucket" "$R/registry"
echo '{"type": "object", "properties": {"n": {"type": "integer"}}}' > "$R/registry/orders.json"
$PY -u -m http.server 0 --bind 127.0.0.1 --directory "$R/registry" > "$R/http.log" 2>&1 &
SERVER_PIDS+=($!)
for _ in $(seq 100); do grep -qo 'port [0-9]*' "$R/http.log" && break; sleep 0.1; done
RPORT=$(grep -o 'port [0-9]*' "$R/http.log" | head -1 | cut -d' ' -f2)
[ -n "$RPORT" ] || { cat "$R/http.log"; echo "FAIL: registry server"; exit 1; }
write_config "$R"
$PY - "$R/config.yaml" "$RPORT" <<'PY'
import sys
p, port = sys.argv[1], sys.argv[2]
head = open(p).read().split("mappings:\n")[0]
open(p, "w").write(head + "schema:\n  registry:\n    base_url: http://127.0.0.1:" + port + "\n"
    "mappings:\n  - topic: orders\n    table: shop.orders\n    create_table_if_missing: true\n"
    "    schema: {source: registry}\n    partition_by: [\"bucket(4, nope)\"]\n")
PY
rc=0; "$BIN" --once -config="$R/config.yaml" 2> "$R/log" || rc=$?
[ $rc != 0 ] || { cat "$R/log"; echo "FAIL: step 7: an unknown partition column must refuse the table"; exit 1; }
grep -q 'table shop.orders: mappings\[topic=orders\].partition_by: partition_by\[0\]: .*nope' "$R/log" \
  || { cat "$R/log"; echo "FAIL: step 7: the error does not name the table and the expression"; exit 1; }
echo "registry: unknown partition column refused"
# ... but while the registry cannot be reached its columns are not in the
# table yet: the table keeps its spec (warned) and the run goes on
CLOSED=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s|base_url: http://127.0.0.1:$RPORT|base_url: http://127.0.0.1:$CLOSED|" "$R/config.yaml"
"$BIN" --once -config="$R/config.yaml" 2> "$R/log-down" || { cat "$R/log-down"; echo "FAIL: step 7: registry down"; exit 1; }
grep -q 'partition_by names columns the table does not have yet; keeping its partition spec" table=shop.orders' "$R/log-down" \
  || { cat "$R/log-down"; echo "FAIL: step 7: registry down: no warning"; exit 1; }
read -r url file < <(metadata_of "$R" shop.orders)
check_meta "${url#file://}/metadata/$file" 0 1 999 || { echo "FAIL: step 7: registry down: spec changed"; exit 1; }

# ------------------------------------------------------------------ REST
E=$WORK/rest; mkdir -p "$E/segments/bucket"
start_server "$E"
rest_meta() { local url file; read -r url file < <(rest_metadata_of "$E" shop.orders); echo "${url#file://}/metadata/$file"; }
write_rest_config "$E" "$URL"
rrun() {
  "$BIN" --once -config="$E/config.yaml" 2> "$E/$1" || { cat "$E/$1" "$E/server.log"; echo "FAIL: rest $1"; exit 1; }
}
set_mapping "$E" "$P1"; rrun log1
check_meta "$(rest_meta)" 1 2 1001 $SPEC1 || { echo "FAIL: rest step 1"; exit 1; }
set_mapping "$E" "$P3"; rrun log3
check_meta "$(rest_meta)" 2 3 1002 $SPEC2 || { echo "FAIL: rest step 3"; exit 1; }
set_mapping "$E" "$P1"; rrun log4
check_meta "$(rest_meta)" 1 3 1002 $SPEC1 || { echo "FAIL: rest step 4"; exit 1; }
set_mapping "$E" "[]"; rrun log5
check_meta "$(rest_meta)" 0 3 1002 || { echo "FAIL: rest step 5"; exit 1; }
echo "rest: steps 1, 3, 4, 5 ok"
echo "ok: partition_by evolves the default partition spec"
