#!/usr/bin/env bash
# Schema evolution from the Confluent Schema Registry (issue 18), for Avro
# (topic orders), Protobuf (clicks) and JSON Schema (payments), schemas
# and records of sr_evolve_gen.py serialized by sr-produce:
#   1. v1 registered, v1 records, --once: the table has v1's columns.
#   2. v2 registered (a nested field in a struct and in a list's element
#      struct, a top-level field; int->long, float->double widened, Avro:
#      decimal(9,2)->(12,2)), v2 records, --once.
#   3. v3 registered (more fields), then segments mixing v3 records with
#      v1 records (v1's id again), --once.
# After each run DuckDB reads every live file of the table (union_by_name)
# and every value is as the generator says (new fields null in old rows,
# Avro reader defaults for v1 records resolved into v3), the metadata's
# schema has the version's columns (all optional), and after 3 the field
# ids are stable across schemas and files (metadata + parquet_schema()),
# new fields with fresh ids; icebird reads the base columns.
#   4. per format, a v4 that narrows items[].qty long->int (JSON: addr.zip
#      integer->string) is refused with an error naming the field path,
#      and that run commits nothing.
source "$(dirname "$0")/../processor/lib.sh"
source "$(dirname "$0")/sr_lib.sh"
fail() { echo "it_sr_evolve: FAIL: $*"; for f in "$WORK"/*/*.log; do [ -f "$f" ] || continue; echo "--- $f"; tail -20 "$f"; done; exit 1; }
D=$WORK/d
mkdir -p "$D/segments/bucket"
start_sr "$WORK/sr"
FMTS="orders:avro:AVRO:avsc clicks:protobuf:PROTOBUF:proto payments:json:JSON:json"
for x in $FMTS; do
  IFS=: read -r topic f type ext <<< "$x"
  mkdir -p "$D/$f"
  $PY "$SRDIR/sr_evolve_gen.py" gen "$f" "$D/$f" || fail "generator $f"
done
# msgtype TYPE -> the sr-produce arguments naming the Protobuf message
msgtype() { [ "$1" != PROTOBUF ] || echo "--message-type ev.Rec"; }
mapping() { echo "  - {topic: $1, table: shop.$1, create_table_if_missing: true, schema: {source: confluent}, on_invalid: stop}"; }
write_sr_config "$D" "$URL" "$(for x in $FMTS; do mapping "${x%%:*}"; done)"

# produce_part VERSION PART: every format's PART records under schema VERSION
produce_part() {
  local v=$1 part=$2 x topic f type ext pids=() p
  for x in $FMTS; do
    IFS=: read -r topic f type ext <<< "$x"
    # shellcheck disable=SC2046  # msgtype: none or two words
    produce --registry "$URL" --subject "$topic-value" --type "$type" \
      --schema "$D/$f/schema.v$v.$ext" $(msgtype "$type") \
      --in "$D/$f/rec.$part.jsonl" --out "$D/$f/$part.hex" > "$D/$f/$part.id" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || fail "sr-produce $part"; done
}
# run_and_check VERSION PARTS...: segments = the parts' values in order,
# --once, then schema and values of each table
run_and_check() {
  local v=$1 x topic f type ext part; shift
  for x in $FMTS; do
    IFS=: read -r topic f type ext <<< "$x"
    for part in "$@"; do cat "$D/$f/$part.hex"; done > "$D/$f/all.hex"
    segments_of "$D" "$topic" "$D/$f/all.hex"
  done
  "$BIN" --once -config="$D/config.yaml" 2> "$D/run-v$v.log" || fail "v$v: --once exit $?"
  for x in $FMTS; do
    IFS=: read -r topic f type ext <<< "$x"
    $PY "$SRDIR/sr_evolve_gen.py" expect "$D/$f" "$v" "$D/$f/expected.json" "$@"
    $PY "$SRDIR/sr_check.py" schema "$D/$f/expected.json" "$(live_meta "$D" "shop.$topic")" ||
      fail "v$v $f: Iceberg schema"
    duck_add_rows "$D" "shop.$topic" "$D/$f/expected.json" "$D/$f/duck.json"
  done
  duck_run || fail "v$v: DuckDB"
  for x in $FMTS; do
    IFS=: read -r topic f type ext <<< "$x"
    $PY "$SRDIR/sr_check.py" rows "$D/$f/expected.json" "$D/$f/duck.json" || fail "v$v $f: values"
  done
}

produce_part 1 v1
run_and_check 1 v1
produce_part 2 v2
run_and_check 2 v1 v2
# (v1 again returns v1's id and adds no version: both at once)
produce_part 3 v3 &
P3=$!
produce_part 1 v1b
wait $P3 || fail "sr-produce v3"
for x in $FMTS; do
  IFS=: read -r topic f type ext <<< "$x"
  [ "$(jget "$(cat "$D/$f/v1b.id")" 'j["version"]')" = 1 ] || fail "$f: v1 again made a new version"
  $PY "$SRDIR/sr_evolve_gen.py" mix "$D/$f"
done
run_and_check 3 v1 v2 mix

expected "$D"
P=()
for x in $FMTS; do
  IFS=: read -r topic f type ext <<< "$x"
  duck_add "$D/$f/pq.json" "SELECT file_name, name, field_id FROM parquet_schema([$(live_list "$D" "shop.$topic")]) WHERE field_id IS NOT NULL"
  check_table "$D" "$topic" "shop.$topic" > "$D/icebird-$f.out" 2>&1 &
  P+=($!)
done
duck_run || fail "parquet_schema"
for x in $FMTS; do
  IFS=: read -r topic f type ext <<< "$x"
  $PY "$SRDIR/sr_ids.py" "$(live_meta "$D" "shop.$topic")" "$D/$f/pq.json" 3 || fail "$f: field ids"
done
for p in "${P[@]}"; do wait "$p" || { cat "$D"/icebird-*.out; fail "icebird"; }; done

# ---- 4: a narrowing v4 is refused naming the path; nothing committed
produce_part 4 v4
for x in $FMTS; do
  IFS=: read -r topic f type ext <<< "$x"
  path=items.element.qty
  [ "$f" = json ] && path=addr.zip
  cat "$D/$f/v1.hex" "$D/$f/v2.hex" "$D/$f/mix.hex" "$D/$f/v4.hex" > "$D/$f/all.hex"
  segments_of "$D" "$topic" "$D/$f/all.hex"
  before=$(live_meta "$D" "shop.$topic")
  # this mapping alone: each run meets one refusal
  write_sr_config "$D" "$URL" "$(mapping "$topic")"
  rc=0
  "$BIN" --once -config="$D/config.yaml" 2> "$D/run-v4-$f.log" || rc=$?
  [ $rc != 0 ] || fail "v4 $f: a narrowing schema was accepted (exit 0)"
  grep -q "level=fatal.*$path" "$D/run-v4-$f.log" || fail "v4 $f: the error does not name $path"
  [ "$(live_meta "$D" "shop.$topic")" = "$before" ] || fail "v4 $f: the refused run committed"
done
echo "it_sr_evolve: ok"
