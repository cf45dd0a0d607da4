#!/usr/bin/env bash
# Logs and exit codes keep their promises (docs/user-guide.md): with
# log.format json every stderr line of a run parses as JSON, numbers are
# JSON numbers, and the last line of a failed run is a fatal line with
# err and exit_code; exit codes follow the table: 1 config (a bad config,
# a missing table it may not create), 2 corrupt segment (--once), 3
# runtime (a damaged catalog.db, an unreachable REST catalog). The
# watchdog's line from its signal handler is JSON as well.
source "$(dirname "$0")/../processor/lib.sh"
fail=0
die() { echo "FAIL: $*"; fail=1; }

# run NAME WANT_RC ARGS...: stderr into $WORK/NAME.err
run() {
  local name=$1 want=$2 rc=0; shift 2
  "$BIN" "$@" 2> "$WORK/$name.err" || rc=$?
  [ "$rc" = "$want" ] || die "$name: exit $rc, want $want: $(cat "$WORK/$name.err")"
}

# json_lines NAME [PYTHON ASSERTIONS on `lines` (list of dicts)]: every
# stderr line is one JSON object with ts, level, msg
json_lines() {
  $PY - "$WORK/$1.err" "${2:-}" <<'PY' || die "$1: $(cat "$WORK/$1.err")"
import json, sys
raw = open(sys.argv[1]).read().splitlines()
assert raw, "no log lines"
lines = []
for l in raw:
    try:
        d = json.loads(l)
    except ValueError:
        raise SystemExit("not JSON: %r" % l)
    assert isinstance(d, dict) and {"ts", "level", "msg"} <= d.keys(), l
    lines.append(d)
exec(sys.argv[2])
PY
}

# segments + a config in JSON mode at level info
setup() {
  local d=$1
  mkdir -p "$d/segments/bucket"
  "$SEGGEN" --out "$d/all" --namespace prod --topics orders,clicks,payments --partitions 2 \
    --records-per-partition 400 --segment-bytes 8000 --codec none --value-bytes 50 \
    --seed 5 --quiet
  cp -r "$d/all/prod" "$d/segments/bucket/"
  write_config "$d"
  sed -i 's/^  level: warn$/  level: info\n  format: json/' "$d/config.yaml"
}

# --- JSON mode: a normal --once run
D=$WORK/ok; mkdir -p "$D"; setup "$D"
run ok 0 --once -config="$D/config.yaml"
json_lines ok '
c = [l for l in lines if l["msg"] == "committed"]
assert len(c) == 3, lines
for l in c:
    assert type(l["snapshot"]) is int and type(l["records"]) is int, l
    assert isinstance(l["table"], str), l
assert not [l for l in lines if l["level"] in ("error", "fatal")], lines
'

# --- JSON mode: a run that ends on a corrupt segment (exit 2)
D=$WORK/corrupt; mkdir -p "$D"; setup "$D"
victim=$(ls "$D"/segments/bucket/prod/orders/1/*.kfs | sort | sed -n 2p)
$PY - "$victim" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 0x40
open(sys.argv[1], "wb").write(bytes(b))
PY
run corrupt 2 --once -config="$D/config.yaml"
json_lines corrupt '
e = [l for l in lines if l["msg"] == "corrupt segment: partition stopped"]
assert e and e[0]["partition"] == 1 and e[0]["topic"] == "orders", lines
last = lines[-1]
assert last["level"] == "fatal" and last["exit_code"] == 2, last
assert "corrupt segment" in last["err"], last
'

# --- a config that cannot be loaded: exit 1; the format from KAFSCALE_LOG_FORMAT
printf 's3: {bucket: b}\n' > "$WORK/bad.yaml"
KAFSCALE_LOG_FORMAT=json run badjson 1 run -config="$WORK/bad.yaml"
json_lines badjson '
assert len(lines) == 1, lines
l = lines[0]
assert l["level"] == "fatal" and l["exit_code"] == 1, l
assert "iceberg.catalog.type is required" in l["err"], l
'
run badlogfmt 1 run -config="$WORK/bad.yaml"
grep -q '^ts=[^ ]* level=fatal msg="config error" err=".*iceberg.catalog.type is required" config=[^ ]*bad.yaml exit_code=1$' \
  "$WORK/badlogfmt.err" || die "logfmt config error: $(cat "$WORK/badlogfmt.err")"
run nofile 1 run -config="$WORK/none.yaml"
# config warnings (unknown keys) come out as log lines in the config's format
D=$WORK/warn; mkdir -p "$D"; setup "$D"
sed -i 's/^  bucket: bucket$/  bucket: bucket\n  bukket: x/' "$D/config.yaml"
run warn 0 --once -config="$D/config.yaml"
json_lines warn '
w = [l for l in lines if l["msg"] == "config"]
assert w and w[0]["level"] == "warn" and "s3.bukket" in w[0]["warning"], lines
'

# --- a mapped table that does not exist and may not be created: exit 1
D=$WORK/notable; mkdir -p "$D"; setup "$D"
sed -i 's/{topic: clicks, table: shop.clicks, create_table_if_missing: true}/{topic: clicks, table: shop.clicks, create_table_if_missing: false}/' \
  "$D/config.yaml"
run notable 1 --once -config="$D/config.yaml"
json_lines notable '
last = lines[-1]
assert last["level"] == "fatal" and last["exit_code"] == 1, last
assert "shop.clicks" in last["err"] and "create_table_if_missing" in last["err"], last
'

# --- a catalog.db that is not a database: exit 3, naming the file
D=$WORK/baddb; mkdir -p "$D"; setup "$D"
head -c 4096 /dev/urandom > "$D/catalog.db"
run baddb 3 --once -config="$D/config.yaml"
json_lines baddb "
last = lines[-1]
assert last['level'] == 'fatal' and last['exit_code'] == 3, last
assert '$D/catalog.db' in last['err'] and 'not a SQLite database' in last['err'], last
"
# ... and one whose iceberg_tables has the wrong shape: exit 3 too
D=$WORK/badschema; mkdir -p "$D"; setup "$D"
$PY -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("CREATE TABLE iceberg_tables (x INTEGER)")' \
  "$D/catalog.db"
run badschema 3 --once -config="$D/config.yaml"
json_lines badschema "
last = lines[-1]
assert last['level'] == 'fatal' and last['exit_code'] == 3, last
assert '$D/catalog.db' in last['err'], last
"

# --- an unreachable REST catalog: exit 3 (--once does not wait for it)
D=$WORK/rest; mkdir -p "$D"; setup "$D"
port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$PY - "$D/config.yaml" "$port" <<'PY'
import sys
p, port = sys.argv[1], sys.argv[2]
s = open(p).read().replace("type: sql", "type: rest").replace(
    "uri: sqlite://", "timeout_seconds: 2\n    uri: http://127.0.0.1:%s/ #" % port)
open(p, "w").write(s)
PY
run rest 3 --once -config="$D/config.yaml"
json_lines rest '
last = lines[-1]
assert last["level"] == "fatal" and last["exit_code"] == 3, last
assert "127.0.0.1" in last["err"], last
'

# --- the shutdown watchdog's line (written from the SIGALRM handler) is
# a JSON line too, stamped when written; the process exits 0
D=$WORK/alarm; mkdir -p "$D"; setup "$D"
"$BIN" -config="$D/config.yaml" 2> "$WORK/alarm.err" & pid=$!
for _ in $(seq 1 100); do grep -q '"msg":"ready"' "$WORK/alarm.err" && break; sleep 0.1; done
kill -ALRM $pid; rc=0; wait $pid || rc=$?
[ $rc = 0 ] || die "watchdog: exit $rc"
json_lines alarm '
import datetime
last = lines[-1]
assert last["msg"].startswith("shutdown deadline passed") and last["exit_code"] == 0, last
ts = datetime.datetime.strptime(last["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
assert abs((datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - ts).total_seconds()) < 60, last
'

[ $fail = 0 ] || exit 1
[ -n "${KEEP_LOGS:-}" ] && tail -n 3 "$WORK"/*.err
echo "it_logs_exit: ok"
