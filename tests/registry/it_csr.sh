#!/usr/bin/env bash
# The Confluent Schema Registry client (src/registry/csr.c) against the
# test registry tests/registry/sr_server.py, with schemas registered and
# values serialized by an independent implementation
# (@kafkajs/confluent-schema-registry through tools/sr-produce.mjs):
# by id with references in dependency order (Avro chain + diamond,
# Protobuf import + google/protobuf/timestamp.proto, JSON Schema $ref),
# Protobuf descriptors, the framing of produced values (decoded by protoc
# too), one request per id, an unknown id remembered, latest-version
# caching, 503s and dropped connections, the last good answer kept while
# the registry is down and back after a restart (ids kept), auth; and
# icp-seggen --value-hex putting the produced values into a segment.
# $1 = iceberg-processor; csr_probe is built next to it.
set -euo pipefail
BIN_DIR=$(cd "$(dirname "$1")" && pwd)
PROBE=$BIN_DIR/csr_probe
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=/usr/bin/python3
[ -x "$PROBE" ] || { echo "it_csr: $PROBE not built"; exit 1; }
WORK=$(mktemp -d /tmp/icp-csr-it-XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "it_csr: FAIL: $*"; exit 1; }

# start_sr DIR [args] -> URL, SR_PID (same port again when DIR/port exists)
start_sr() {
  local d=$1 port=0; shift
  mkdir -p "$d"
  [ -s "$d/port" ] && port=$(cat "$d/port")
  rm -f "$d/port"
  $PY "$ROOT/tests/registry/sr_server.py" --port "$port" --port-file "$d/port" \
    --state "$d/state.json" "$@" 2>> "$d/server.log" &
  SR_PID=$!
  PIDS+=($SR_PID)
  for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
  [ -s "$d/port" ] || { cat "$d/server.log"; fail "registry did not start"; }
  URL=http://127.0.0.1:$(cat "$d/port")
}
produce() { node "$ROOT/tools/sr-produce.mjs" "$@"; }
# jget JSON EXPR: a python expression over j
jget() { $PY -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

D=$WORK/data
mkdir -p "$D"
# ---- Avro: Order -> Money -> Currency, and Order -> Currency (a diamond)
cat > "$D/currency.avsc" <<'EOF'
{"type":"enum","name":"Currency","namespace":"shop","symbols":["EUR","USD"]}
EOF
cat > "$D/money.avsc" <<'EOF'
{"type":"record","name":"Money","namespace":"shop","fields":[{"name":"currency","type":"shop.Currency"},{"name":"units","type":"long"}]}
EOF
cat > "$D/order.avsc" <<'EOF'
{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"note","type":["null","string"],"default":null},{"name":"raw","type":"bytes"},{"name":"total","type":"shop.Money"},{"name":"list","type":"shop.Currency"}]}
EOF
cat > "$D/order2.avsc" <<'EOF'
{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"note","type":["null","string"],"default":null},{"name":"raw","type":"bytes"},{"name":"total","type":"shop.Money"},{"name":"list","type":"shop.Currency"},{"name":"qty","type":"int","default":1}]}
EOF
cat > "$D/avro.jsonl" <<'EOF'
{"id":"o1","note":null,"raw":{"$bytes":"AAEC"},"total":{"currency":"EUR","units":5},"list":"USD"}
null
{"id":"o2","note":"hi","raw":{"$hex":"ff"},"total":{"currency":"USD","units":-3},"list":"EUR"}
EOF
# ---- Protobuf: shop/order.proto imports common/money.proto and a well-known type
cat > "$D/money.proto" <<'EOF'
syntax = "proto3";
package common;
message Money { string currency = 1; int64 units = 2; }
EOF
cat > "$D/order.proto" <<'EOF'
syntax = "proto3";
package shop;
import "common/money.proto";
import "google/protobuf/timestamp.proto";
message Order { string id = 1; common.Money total = 2; google.protobuf.Timestamp at = 3; }
message Line { string sku = 1; int32 qty = 2; }
EOF
cat > "$D/proto.jsonl" <<'EOF'
{"id":"o1","total":{"currency":"EUR","units":5},"at":{"seconds":1700000000,"nanos":5}}
EOF
echo '{"sku":"s1","qty":3}' > "$D/line.jsonl"
# ---- JSON Schema with a $ref
cat > "$D/money.json" <<'EOF'
{"$id":"money.json","type":"object","properties":{"currency":{"type":"string"},"units":{"type":"integer"}},"required":["currency"]}
EOF
cat > "$D/order.json" <<'EOF'
{"type":"object","properties":{"id":{"type":"string"},"total":{"$ref":"money.json"}},"required":["id"]}
EOF
echo '{"id":"o1","total":{"currency":"EUR","units":5}}' > "$D/json.jsonl"

A=$WORK/a
start_sr "$A"
URL_A=$URL
PID_A=$SR_PID

# the three types side by side (node's start-up dominates this test's time)
produce --registry "$URL_A" --subject orders-avro --type AVRO --schema "$D/order.avsc" \
  --ref shop.Currency=currency-avro:"$D/currency.avsc" --ref shop.Money=money-avro:"$D/money.avsc" \
  --in "$D/avro.jsonl" --out "$D/avro.hex" > "$D/av.out" &
P1=$!
produce --registry "$URL_A" --subject orders-proto --type PROTOBUF --schema "$D/order.proto" \
  --ref common/money.proto=common/money.proto:"$D/money.proto" \
  --in "$D/proto.jsonl" --out "$D/proto.hex" > "$D/pb.out" &
P2=$!
produce --registry "$URL_A" --subject orders-json --type JSON --schema "$D/order.json" \
  --ref money.json=money-json:"$D/money.json" --in "$D/json.jsonl" --out "$D/json.hex" > "$D/js.out" &
P3=$!
wait $P1 && wait $P2 && wait $P3 || fail "sr-produce"
AV=$(cat "$D/av.out"); PB=$(cat "$D/pb.out"); JS=$(cat "$D/js.out")
PB2=$(produce --registry "$URL_A" --subject orders-proto --type PROTOBUF --schema "$D/order.proto" \
  --ref common/money.proto=common/money.proto:"$D/money.proto" --message-type shop.Line \
  --in "$D/line.jsonl" --out "$D/line.hex")
AV_ID=$(jget "$AV" 'j["id"]'); PB_ID=$(jget "$PB" 'j["id"]'); JS_ID=$(jget "$JS" 'j["id"]')
[ "$(jget "$PB2" 'j["id"], j["version"]')" = "($PB_ID, 1)" ] || fail "same schema again: $PB2"
# a .proto that does not compile: 422 42201, as Confluent answers
R=$(curl -s -X POST -d '{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; message X { int32 }"}' \
  "$URL_A/subjects/bad/versions")
[ "$(jget "$R" 'j["error_code"]')" = 42201 ] || fail "bad proto: $R"
[ "$(jget "$AV" 'j["refs"][1]["id"]')" != "$AV_ID" ] || fail "$AV"

# ---- framing of the produced values (magic 0, id, Protobuf message indexes)
$PY - "$D" "$AV_ID" "$PB_ID" "$JS_ID" <<'PY'
import json, sys
d, av, pb, js = sys.argv[1], *map(int, sys.argv[2:])
def lines(f):
    return open(f"{d}/{f}").read().split("\n")[:-1]
a = lines("avro.hex")
assert len(a) == 3 and a[1] == "", a            # `null` -> empty line
for h, want in ((a[0], av), (a[2], av), (lines("proto.hex")[0], pb),
                (lines("line.hex")[0], pb), (lines("json.hex")[0], js)):
    b = bytes.fromhex(h)
    assert b[0] == 0 and int.from_bytes(b[1:5], "big") == want, (h, want)
# Avro o1: "o1", union branch 0 (null), bytes 00 01 02, Money{EUR(0), 5}, USD(1)
assert bytes.fromhex(a[0])[5:] == bytes([4]) + b"o1" + bytes([0, 6, 0, 1, 2, 0, 10, 2]), a[0]
# Protobuf: Order is message [0] -> one 0 byte; Line is [1] -> count 1, index 1 (zigzag: 02 02)
assert bytes.fromhex(lines("proto.hex")[0])[5] == 0
assert bytes.fromhex(lines("line.hex")[0])[5:7] == b"\x02\x02", lines("line.hex")
assert json.loads(bytes.fromhex(lines("json.hex")[0])[5:]) == {"id": "o1", "total": {"currency": "EUR", "units": 5}}
open(f"{d}/order.bin", "wb").write(bytes.fromhex(lines("proto.hex")[0])[6:])
PY
mkdir -p "$D/inc/common" && cp "$D/money.proto" "$D/inc/common/money.proto" && cp "$D/order.proto" "$D/inc/"
protoc --decode=shop.Order -I "$D/inc" -I /usr/include order.proto < "$D/order.bin" > "$D/order.txt"
grep -q 'seconds: 1700000000' "$D/order.txt" && grep -q 'currency: "EUR"' "$D/order.txt" ||
  fail "protoc does not read the produced value: $(cat "$D/order.txt")"

# ---- icp-seggen --value-hex wraps them into a segment (an empty line: null)
"$BIN_DIR/icp-seggen" --out "$WORK/seg" --topics orders --records-per-partition 7 \
  --value-hex "$D/avro.hex" --codec none --quiet
"$1" dump-segment "$(ls "$WORK"/seg/orders/0/*.kfs | head -1)" > "$WORK/dump.jsonl"
$PY - "$WORK/dump.jsonl" "$D/avro.hex" <<'PY'
import base64, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
want = open(sys.argv[2]).read().split("\n")[:-1]
assert len(recs) == 7, len(recs)
for i, r in enumerate(recs):
    w = want[i % len(want)]
    got = None if r["value"] is None else base64.b64decode(r["value"]).hex()
    assert got == (w or None), (i, got, w)
PY

# ---- the client, one process driven line by line
coproc PROBE_P { "$PROBE" "$URL_A" --cache 2 --fake-clock 2> "$WORK/probe.err"; }
PIDS+=($PROBE_P_PID)
ask() {
  echo "$1" >&"${PROBE_P[1]}"
  IFS= read -r -t 15 REPLY <&"${PROBE_P[0]}" || fail "no answer to '$1': $(cat "$WORK/probe.err")"
  echo "$REPLY"
}
stats() { curl -s "$URL_A/_admin/stats"; }

R=$(ask "id $AV_ID 1000")
$PY - "$R" "$D" <<'PY'
import json, sys
r, d = json.loads(sys.argv[1]), sys.argv[2]
assert r["ok"] == 1 and r["type"] == "AVRO" and r["version"] == 0 and r["subject"] == "", r
text = lambda h: bytes.fromhex(h).decode()
assert text(r["text"]) == open(f"{d}/order.avsc").read()
# dependencies first, each once: Currency (via Money and directly), then Money
assert [text(x) for x in r["refs"]] == [open(f"{d}/currency.avsc").read(),
                                         open(f"{d}/money.avsc").read()], r["refs"]
PY
[ "$(jget "$(stats)" 'j["ids"]["'"$AV_ID"'"]')" = 1 ] || fail "1000 lookups of id $AV_ID: $(stats)"

R=$(ask "id $PB_ID 10")
$PY - "$R" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert r["ok"] == 1 and r["type"] == "PROTOBUF", r
def fields(b):
    i, out = 0, []
    def varint():
        nonlocal i
        v = s = 0
        while True:
            c = b[i]; i += 1; v |= (c & 0x7F) << s; s += 7
            if c < 0x80: return v
    while i < len(b):
        k = varint(); wt = k & 7
        if wt == 2:
            n = varint(); out.append((k >> 3, b[i:i + n])); i += n
        elif wt == 0:
            out.append((k >> 3, varint()))
        else:
            raise ValueError("wire type %d" % wt)
    return out
main = fields(bytes.fromhex(r["text"]))
name = [v for k, v in main if k == 1]
deps = [v.decode() for k, v in main if k == 3]
msgs = [dict(fields(v))[1].decode() for k, v in main if k == 4]
assert name == [b"orders-proto.proto"] and dict(main)[2] == b"shop", main
assert deps == ["common/money.proto", "google/protobuf/timestamp.proto"], deps
assert msgs == ["Order", "Line"], msgs
assert len(r["refs"]) == 1
ref = fields(bytes.fromhex(r["refs"][0]))
assert dict(ref)[1] == b"common/money.proto" and dict(ref)[2] == b"common", ref
PY
# Protobuf: a plain answer tells the type, then one serialized request; once
[ "$(jget "$(stats)" 'j["ids"]["'"$PB_ID"'"]')" = 1 ] || fail "Protobuf id requests: $(stats)"

R=$(ask "id $JS_ID")
[ "$(jget "$R" 'j["type"], len(j["refs"]), bytes.fromhex(j["refs"][0]).decode() == open("'"$D"'/money.json").read()')" = "('JSON', 1, True)" ] || fail "JSON: $R"

# ---- unknown id: NOT_FOUND naming the URL, remembered for a while
R=$(ask "id 4242")
[ "$(jget "$R" 'j["status"]')" = not_found ] || fail "unknown id: $R"
jget "$R" 'j["msg"]' | grep -qF "$URL_A/schemas/ids/4242" || fail "no URL in: $R"
for _ in 1 2 3; do ask "id 4242" > /dev/null; done
[ "$(jget "$(stats)" 'j["ids"]["4242"]')" = 1 ] || fail "unknown id asked again: $(stats)"

# ---- latest: cached for 2 s (of the probe's clock), then the new version
R=$(ask "latest orders-avro")
[ "$(jget "$R" 'j["version"], j["id"], j["subject"], j["stale"], len(j["refs"])')" = "(1, $AV_ID, 'orders-avro', 0, 2)" ] || fail "latest: $R"
# v2 straight through the API (quicker than node)
AV2=$($PY -c 'import json,sys; print(json.dumps({"schema": open(sys.argv[1]).read(), "references": [
  {"name": "shop.Currency", "subject": "currency-avro", "version": 1},
  {"name": "shop.Money", "subject": "money-avro", "version": 1}]}))' "$D/order2.avsc" |
  curl -s -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' -d @- \
  "$URL_A/subjects/orders-avro/versions")
AV2_ID=$(jget "$AV2" 'j["id"]')
[ "$AV2_ID" != "$AV_ID" ] || fail "v2: $AV2"
R=$(ask "latest orders-avro")
[ "$(jget "$R" 'j["version"]')" = 1 ] || fail "latest not cached: $R"
ask "advance 2100" > /dev/null
R=$(ask "latest orders-avro")
[ "$(jget "$R" 'j["version"], j["id"], j["stale"]')" = "(2, $AV2_ID, 0)" ] || fail "latest after expiry: $R"

# ---- faults: 503 and a dropped connection are RETRYABLE, not cached
curl -s -X POST -d '{"status":503,"count":1}' "$URL_A/_admin/faults" > /dev/null
R=$(ask "id 4243")
[ "$(jget "$R" 'j["status"]')" = retryable ] && jget "$R" 'j["msg"]' | grep -q "$URL_A/schemas/ids/4243?format=serialized: HTTP 503" ||
  fail "503: $R"
# 2: libcurl repeats a GET whose kept connection died before any answer byte
curl -s -X POST -d '{"drop_connection":2}' "$URL_A/_admin/faults" > /dev/null
R=$(ask "id 4243")
[ "$(jget "$R" 'j["status"]')" = retryable ] || fail "dropped connection: $R"
R=$(ask "id 4243")
[ "$(jget "$R" 'j["status"]')" = not_found ] || fail "after the faults: $R"

# ---- outage: the last good latest answer is kept (stale), unknown ids fail
kill "$PID_A"; wait "$PID_A" 2>/dev/null || true
ask "advance 2100" > /dev/null
R=$(ask "latest orders-avro")
[ "$(jget "$R" 'j["ok"], j["version"], j["stale"]')" = "(1, 2, 1)" ] || fail "stale latest: $R"
R=$(ask "id 777")
[ "$(jget "$R" 'j["status"]')" = retryable ] && jget "$R" 'j["msg"]' | grep -qF "$URL_A/schemas/ids/777" ||
  fail "registry down: $R"
R=$(ask "id $AV_ID")
[ "$(jget "$R" 'j["ok"]')" = 1 ] || fail "cached id during the outage: $R"
start_sr "$A"
[ "$URL" = "$URL_A" ] || fail "restarted on another port"
ask "advance 2100" > /dev/null
R=$(ask "latest orders-avro")
[ "$(jget "$R" 'j["version"], j["stale"]')" = "(2, 0)" ] || fail "after the restart: $R"
[ "$(jget "$(curl -s "$URL_A/schemas/ids/$PB_ID")" 'j["schemaType"]')" = PROTOBUF ] || fail "ids lost"
exec {PROBE_P[1]}>&-

# ---- auth: basic and bearer; wrong credentials name the URL
B=$WORK/b
start_sr "$B" --basic alice:s3cret --token tok123
produce --registry "$URL" --auth alice:s3cret --subject a-value --type AVRO --schema "$D/currency.avsc" > /dev/null &
P1=$!
produce --registry "$URL" --token tok123 --subject b-value --type JSON --schema "$D/money.json" > /dev/null &
P2=$!
wait $P1 && wait $P2 || fail "sr-produce with credentials"
check_auth() { # want args...
  local want=$1 r; shift
  r=$(echo "latest a-value" | "$PROBE" "$URL" "$@")
  [ "$(jget "$r" 'j.get("status", "ok")')" = "$want" ] || fail "auth $*: $r"
  [ "$want" = ok ] || jget "$r" 'j["msg"]' | grep -qF "$URL/subjects/a-value/versions/latest: HTTP 401" ||
    fail "auth message: $r"
}
check_auth ok --basic alice:s3cret
check_auth ok --token tok123
check_auth invalid --basic alice:wrong
check_auth invalid --token nope
check_auth invalid
# a URL where no registry API answers: a 404 without a 404xx code is INVALID
R=$(echo "id 1" | "$PROBE" "$URL/not-here" --token tok123)
[ "$(jget "$R" 'j["status"]')" = invalid ] && jget "$R" 'j["msg"]' | grep -qF "$URL/not-here/schemas/ids/1" ||
  fail "wrong path: $R"
echo "it_csr: ok"
