#!/usr/bin/env bash
# mappings[].sort_by evolves the table's default sort order when the table
# is opened (no data needed: the buckets are empty, tables are created and
# opened at start). On the SQLite catalog:
#   1. [order_id] -> sort order 1 is default: identity, asc, nulls-first on
#      order_id's field id (logged as "sort order evolved");
#   2. the same again -> no new metadata version;
#   3. [status, order_id] -> order 2 added and default, order 1 kept;
#   4. [order_id] again -> order 1 is default again, no order added;
#   5. sort_by absent -> no new metadata version, the order stays.
# On the REST test catalog, steps 1-4 (set-default-sort-order by id for an
# order the table has: Java catalogs refuse -1 there), and
#   6. [status] with the first commit answered 409 -> reloaded, retried,
#      order 3 default.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/catalog/rest_lib.sh"

# set_mapping DIR SORT_BY|"" : one mapping (orders -> shop.orders) with
# typed columns, log level info; "" leaves sort_by out
set_mapping() {
  $PY - "$1/config.yaml" "$2" <<'PY'
import sys
p, sb = sys.argv[1], sys.argv[2]
head = open(p).read().split("mappings:\n")[0].replace("level: warn", "level: info")
m = ("mappings:\n  - topic: orders\n    table: shop.orders\n    create_table_if_missing: true\n"
     "    schema:\n      columns: [{name: order_id, type: long, required: true}, "
     "{name: status, type: string}]\n")
if sb:
    m += "    sort_by: " + sb + "\n"
open(p, "w").write(head + m)
PY
}

# check_meta FILE DEFAULT_ID N_ORDERS [column ...]
# the default order sorts by exactly these columns (identity, asc,
# nulls-first), every order id is unique and order 0 is the unsorted one
check_meta() {
  $PY - "$@" <<'PY'
import json, sys
path, dflt, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
md = json.load(open(path))
assert md["default-sort-order-id"] == dflt, ("default-sort-order-id", md["default-sort-order-id"], dflt)
orders = md["sort-orders"]
assert len(orders) == n, ("sort-orders", orders)
ids = [o["order-id"] for o in orders]
assert sorted(ids) == list(range(n)), ("order ids", ids)
assert next(o for o in orders if o["order-id"] == 0)["fields"] == [], orders
schema = next(s for s in md["schemas"] if s["schema-id"] == md["current-schema-id"])
ids = {f["name"]: f["id"] for f in schema["fields"]}
order = next(o for o in orders if o["order-id"] == dflt)
want = [{"transform": "identity", "source-id": ids[c], "direction": "asc", "null-order": "nulls-first"}
        for c in sys.argv[4:]]
assert order["fields"] == want, ("default order fields", order["fields"], want)
PY
}

# ---------------------------------------------------------------- SQLite
D=$WORK/sql; mkdir -p "$D/segments/bucket"
sql_meta() { local url file; read -r url file < <(metadata_of "$D" shop.orders); echo "${url#file://}/metadata/$file"; }
run() { # LOGNAME: one --once run that must succeed
  "$BIN" --once -config="$D/config.yaml" 2> "$D/$1" || { cat "$D/$1"; echo "FAIL: $1"; exit 1; }
}
write_config "$D"

set_mapping "$D" "[order_id]"; run log1
check_meta "$(sql_meta)" 1 2 order_id || { echo "FAIL: step 1"; exit 1; }
# the field id really is order_id's (the typed columns follow the base 1..8)
$PY - "$(sql_meta)" <<'PY' || { echo "FAIL: step 1: source id"; exit 1; }
import json, sys
md = json.load(open(sys.argv[1]))
o = next(o for o in md["sort-orders"] if o["order-id"] == 1)
assert o["fields"][0]["source-id"] == 9, o
PY
grep -q '"sort order evolved" table=shop.orders old_sort_order_id=0 new_sort_order_id=1 fields=order_id' "$D/log1" \
  || { cat "$D/log1"; echo "FAIL: step 1: no log line"; exit 1; }
! grep -q 'sort_by is not applied' "$D/log1" || { echo "FAIL: step 1: stale warning"; exit 1; }
m1=$(sql_meta)

run log2
[ "$(sql_meta)" = "$m1" ] || { echo "FAIL: step 2: unchanged sort_by committed ($(sql_meta))"; exit 1; }
! grep -q 'sort order evolved' "$D/log2" || { cat "$D/log2"; echo "FAIL: step 2 logged an evolution"; exit 1; }

set_mapping "$D" "[status, order_id]"; run log3
check_meta "$(sql_meta)" 2 3 status order_id || { echo "FAIL: step 3"; exit 1; }
check_meta "$(sql_meta)" 1 3 order_id 2>/dev/null && { echo "FAIL: step 3: check_meta accepts anything"; exit 1; }
grep -q '"sort order evolved" table=shop.orders old_sort_order_id=1 new_sort_order_id=2 fields="status, order_id"' "$D/log3" \
  || { cat "$D/log3"; echo "FAIL: step 3: no log line"; exit 1; }

set_mapping "$D" "[order_id]"; run log4
check_meta "$(sql_meta)" 1 3 order_id || { echo "FAIL: step 4"; exit 1; }
m4=$(sql_meta)

set_mapping "$D" ""; run log5
[ "$(sql_meta)" = "$m4" ] || { echo "FAIL: step 5: absent sort_by committed"; exit 1; }
check_meta "$(sql_meta)" 1 3 order_id || { echo "FAIL: step 5"; exit 1; }
echo "sqlite: steps 1-5 ok"

# ------------------------------------------------------------------ REST
E=$WORK/rest; mkdir -p "$E/segments/bucket"
start_server "$E"
rest_meta() { local url file; read -r url file < <(rest_metadata_of "$E" shop.orders); echo "${url#file://}/metadata/$file"; }
write_rest_config "$E" "$URL"
rrun() {
  "$BIN" --once -config="$E/config.yaml" 2> "$E/$1" || { cat "$E/$1" "$E/server.log"; echo "FAIL: rest $1"; exit 1; }
}
set_mapping "$E" "[order_id]"; rrun log1
check_meta "$(rest_meta)" 1 2 order_id || { echo "FAIL: rest step 1"; exit 1; }
r1=$(rest_meta)
rrun log2
[ "$(rest_meta)" = "$r1" ] || { echo "FAIL: rest step 2: unchanged sort_by committed"; exit 1; }
set_mapping "$E" "[status, order_id]"; rrun log3
check_meta "$(rest_meta)" 2 3 status order_id || { echo "FAIL: rest step 3"; exit 1; }
set_mapping "$E" "[order_id]"; rrun log4
check_meta "$(rest_meta)" 1 3 order_id || { cat "$E/log4" "$E/server.log"; echo "FAIL: rest step 4"; exit 1; }
# step 6: the catalog answers the sort order commit with 409: the table is
# reloaded, decided again and committed once more
set_faults "$URL" '{"queue": ["409"]}'
set_mapping "$E" "[status]"; rrun log6
set_faults "$URL" '{}'
check_meta "$(rest_meta)" 3 4 status || { cat "$E/log6"; echo "FAIL: rest step 6 (after a conflict)"; exit 1; }
stats "$URL" | $PY -c 'import json,sys; f=json.load(sys.stdin)["faults"]; assert f.get("409") == 1, f' \
  || { echo "FAIL: rest step 6: the conflict was not injected"; exit 1; }
echo "rest: steps 1-4 and 6 (conflict) ok"
echo "ok: sort_by evolves the default sort order"
