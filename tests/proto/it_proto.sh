#!/usr/bin/env bash
# Interoperability of src/proto with the reference tools: protoc compiles two
# .proto files (proto3: nested messages, enums, repeated packed and unpacked,
# map<string,..>, map<int64,..>, map<bool,..>, oneof, optional, Timestamp,
# wrappers, bytes, an import) into a FileDescriptorSet; python3-protobuf
# encodes 60 messages, as Confluent values without their 5-byte header
# (message indexes + message, some with fields in reverse order); the
# helper tests/proto/proto_sample.c (built next to $1) decodes each with
# src/proto and prints it as JSON, which must equal what python computes
# from the same message objects under the mapping of src/proto/proto.h.
set -euo pipefail
bin_dir=$(cd "$(dirname "$1")" && pwd)
helper="$bin_dir/proto_sample"
[ -x "$helper" ] || { echo "it_proto: $helper not built"; exit 1; }
command -v protoc >/dev/null || { echo "it_proto: protoc missing (scripts/bootstrap)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/icp-proto-it.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
mkdir -p "$work/src/acme" "$work/py"

cat > "$work/src/acme/common.proto" <<'PROTO'
syntax = "proto3";
package acme.common;
message Address { string street = 1; int32 zip = 2; }
enum Level { LEVEL_UNKNOWN = 0; LOW = 1; HIGH = 2; }
PROTO

cat > "$work/src/acme/orders.proto" <<'PROTO'
syntax = "proto3";
package acme.orders;
import "acme/common.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

message Order {
  enum Status { NEW = 0; PAID = 1; SHIPPED = 2; }
  message Item {
    message Detail { double price = 1; }
    string sku = 1;
    int32 qty = 2;
    repeated string tags = 3;
    Detail detail = 4;
  }
  int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4;
  sint32 s32 = 5; sint64 s64 = 6; fixed32 f32 = 7; fixed64 f64 = 8;
  sfixed32 sf32 = 9; sfixed64 sf64 = 10; float fl = 11; double db = 12;
  bool ok = 13; string name = 14; bytes blob = 15;
  acme.common.Level level = 16;
  Status status = 17;
  repeated Item items = 18;
  map<string, int64> counts = 19;
  map<int64, Item> by_id = 20;
  oneof payment { string card = 21; int64 cash_cents = 22; acme.common.Address billing = 23; }
  optional int32 maybe = 24;
  google.protobuf.Timestamp created = 25;
  google.protobuf.Int64Value w_i64 = 26;
  google.protobuf.StringValue w_str = 27;
  google.protobuf.DoubleValue w_dbl = 28;
  google.protobuf.BoolValue w_bool = 29;
  google.protobuf.BytesValue w_bytes = 30;
  google.protobuf.UInt32Value w_u32 = 31;
  google.protobuf.FloatValue w_fl = 32;
  google.protobuf.Int32Value w_i32 = 33;
  google.protobuf.UInt64Value w_u64 = 34;
  repeated int32 nums = 35;
  repeated sint64 unpacked = 36 [packed = false];
  repeated double dbls = 37;
  acme.common.Address ship = 38;
  map<bool, string> flags = 39;
  map<int32, acme.common.Level> lv = 40;
  repeated google.protobuf.Timestamp times = 41;
  optional string note = 42;
}

message Other { string note = 1; repeated fixed64 fx = 2; string far = 100000; }
PROTO

protoc -I "$work/src" --include_imports --descriptor_set_out="$work/set.pb" \
  --python_out="$work/py" acme/common.proto acme/orders.proto

/usr/bin/python3 - "$work" <<'PY'
import base64, json, random, struct, sys
work = sys.argv[1]
sys.path.insert(0, work + "/py")
from acme import orders_pb2, common_pb2
from google.protobuf import descriptor_pb2

# The main file must come last (protoc orders dependencies first).
fds = descriptor_pb2.FileDescriptorSet()
fds.ParseFromString(open(work + "/set.pb", "rb").read())
assert fds.file[-1].name == "acme/orders.proto", [f.name for f in fds.file]

rnd = random.Random(18)
I64 = 2**63 - 1

def rstr():
    return "".join(rnd.choice("abcxyz é€𝄞\"\\") for _ in range(rnd.randint(0, 8)))

def ts(m):
    m.seconds = rnd.randint(-62135596800, 253402300799)
    m.nanos = rnd.randint(0, 999999999)

def item(it):
    it.sku = rstr(); it.qty = rnd.randint(-5, 5)
    it.tags.extend(rstr() for _ in range(rnd.randint(0, 3)))
    if rnd.random() < 0.5:
        it.detail.price = rnd.choice([0.5, -2.25, 1e300, 3.0])

def order(i):
    o = orders_pb2.Order()
    if i == 0:
        return o  # every field absent: defaults, NULLs, empty lists
    full = i % 3 != 1
    if full or rnd.random() < 0.5:
        o.i32 = rnd.randint(-2**31, 2**31 - 1); o.i64 = rnd.randint(-2**63, I64)
        o.u32 = rnd.randint(0, 2**32 - 1); o.u64 = rnd.randint(0, I64)
        o.s32 = rnd.randint(-2**31, 2**31 - 1); o.s64 = rnd.randint(-2**63, I64)
        o.f32 = rnd.randint(0, 2**32 - 1); o.f64 = rnd.randint(0, I64)
        o.sf32 = rnd.randint(-2**31, 2**31 - 1); o.sf64 = rnd.randint(-2**63, I64)
        o.fl = rnd.choice([0.25, -1.5, 3.4028234663852886e38, 1e-45])
        o.db = rnd.choice([0.1, -1e-300, 123456.789, 2.0**60])
        o.ok = rnd.random() < 0.5
        o.name = rstr(); o.blob = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 9)))
    o.level = rnd.choice([0, 1, 2, 7])   # 7: undeclared (open enum)
    o.status = rnd.choice([0, 1, 2])
    for _ in range(rnd.randint(0, 3)):
        item(o.items.add())
    for _ in range(rnd.randint(0, 3)):
        o.counts[rstr()] = rnd.randint(-2**63, I64)
    for _ in range(rnd.randint(0, 3)):
        item(o.by_id[rnd.randint(-2**63, I64)])
    pay = rnd.randint(0, 3)
    if pay == 1: o.card = rstr()
    elif pay == 2: o.cash_cents = rnd.randint(-10**12, 10**12)
    elif pay == 3: o.billing.street = rstr(); o.billing.zip = rnd.randint(0, 99999)
    if rnd.random() < 0.5: o.maybe = rnd.choice([0, 42, -1])
    if rnd.random() < 0.7: ts(o.created)
    if rnd.random() < 0.5: o.w_i64.value = rnd.randint(-2**63, I64)
    if rnd.random() < 0.5: o.w_str.value = rstr()
    if rnd.random() < 0.5: o.w_dbl.value = rnd.choice([0.0, 2.5])
    if rnd.random() < 0.5: o.w_bool.value = rnd.random() < 0.5
    if rnd.random() < 0.5: o.w_bytes.value = b"\x00\xff" * rnd.randint(0, 2)
    if rnd.random() < 0.5: o.w_u32.value = rnd.randint(0, 2**32 - 1)
    if rnd.random() < 0.5: o.w_fl.value = rnd.choice([0.0, -0.75])
    if rnd.random() < 0.5: o.w_i32.value = rnd.randint(-2**31, 2**31 - 1)
    if rnd.random() < 0.5: o.w_u64.value = rnd.randint(0, I64)
    o.nums.extend(rnd.randint(-2**31, 2**31 - 1) for _ in range(rnd.randint(0, 5)))
    o.unpacked.extend(rnd.randint(-2**63, I64) for _ in range(rnd.randint(0, 4)))
    o.dbls.extend(rnd.choice([1.0, -0.5, 1e-10]) for _ in range(rnd.randint(0, 4)))
    if rnd.random() < 0.5: o.ship.street = rstr()
    for _ in range(rnd.randint(0, 2)): o.flags[rnd.random() < 0.5] = rstr()
    for _ in range(rnd.randint(0, 3)): o.lv[rnd.randint(-2**31, 2**31 - 1)] = rnd.choice([0, 1, 2])
    for _ in range(rnd.randint(0, 2)): ts(o.times.add())
    if rnd.random() < 0.5: o.note = rstr()
    return o

def b64(b): return base64.b64encode(b).decode()

def value(fd, v):
    """One value of field fd under src/proto's mapping (vtree JSON form)."""
    t = fd.type
    if t == fd.TYPE_MESSAGE:
        full = fd.message_type.full_name
        if full == "google.protobuf.Timestamp":
            return v.seconds * 1000000 + v.nanos // 1000
        if full.startswith("google.protobuf.") and full.endswith("Value"):
            return value(fd.message_type.fields_by_name["value"], v.value)
        return expect(v)
    if t == fd.TYPE_ENUM:
        ev = fd.enum_type.values_by_number.get(v)
        return ev.name if ev else str(v)
    if t == fd.TYPE_BYTES:
        return b64(v)
    return v

def expect(m):
    out = {}
    for fd in m.DESCRIPTOR.fields:
        v = getattr(m, fd.name)
        if fd.message_type and fd.message_type.GetOptions().map_entry:
            vf = fd.message_type.fields_by_name["value"]
            out[fd.name] = {k: value(vf, v[k]) for k in v}
        elif fd.label == fd.LABEL_REPEATED:
            out[fd.name] = [value(fd, x) for x in v]
        elif fd.has_presence and not m.HasField(fd.name):
            out[fd.name] = None
        else:
            out[fd.name] = value(fd, v)
    return out

def reverse_order(m):
    """The same message with its fields on the wire last to first."""
    parts = []
    for fd, _ in m.ListFields():
        one = type(m)(); getattr(one, fd.name)  # noqa
        one.MergeFrom(m)
        for other, _ in m.ListFields():
            if other.name != fd.name: one.ClearField(other.name)
        parts.append(one.SerializeToString())
    return b"".join(reversed(parts))

recs, exp = [], []
for i in range(60):
    if i % 10 == 9:
        o = orders_pb2.Other(note=rstr(), fx=[rnd.randint(0, I64) for _ in range(3)], far=rstr())
        body = b"\x02\x02" + o.SerializeToString()  # indexes [1]
    else:
        o = order(i)
        raw = reverse_order(o) if i % 4 == 3 else o.SerializeToString()
        back = orders_pb2.Order(); back.ParseFromString(raw); assert back == o
        body = (b"\x00" if i % 2 else b"\x02\x00") + raw  # [0], short and long form
    recs.append(struct.pack(">I", len(body)) + body)
    exp.append(expect(o))
open(work + "/records.bin", "wb").write(b"".join(recs))
json.dump(exp, open(work + "/expected.json", "w"))
PY

"$helper" "$work/set.pb" "$work/records.bin" > "$work/actual.txt"

/usr/bin/python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
exp = json.load(open(work + "/expected.json"))
lines = open(work + "/actual.txt").read().splitlines()
schema = json.loads(lines[0][len("SCHEMA "):])
types = {f["name"]: f["type"] for f in schema["fields"]}
want = {"i32": "int", "i64": "long", "u32": "long", "u64": "long", "s32": "int",
        "fl": "float", "db": "double", "ok": "boolean", "name": "string", "blob": "binary",
        "level": "string", "created": "timestamptz", "w_i64": "long", "w_fl": "float",
        "w_i32": "int", "w_bytes": "binary", "card": "string", "maybe": "int"}
for k, v in want.items():
    assert types[k] == v, (k, types[k])
assert types["items"]["type"] == "list" and types["items"]["element"]["type"] == "struct"
assert types["by_id"]["type"] == "map" and types["by_id"]["key"] == "long"
assert types["flags"]["key"] == "boolean" and types["lv"]["key"] == "int"
assert all(not f["required"] for f in schema["fields"])
assert len(schema["fields"]) == 42, len(schema["fields"])

def norm(e, a, path):
    """a (our JSON) against e (python's): maps with non-string keys come
    as [[k, v], ...]; JSON object keys are strings."""
    if isinstance(e, dict) and isinstance(a, list):
        a = {json.dumps(k): v for k, v in a}  # -5 and true, as json.dump keyed e
    if isinstance(e, dict):
        assert isinstance(a, dict), (path, e, a)
        ek = {str(k): v for k, v in e.items()}
        assert set(ek) == set(a), (path, sorted(ek), sorted(a))
        for k in ek: norm(ek[k], a[k], path + "." + k)
    elif isinstance(e, list):
        assert isinstance(a, list) and len(a) == len(e), (path, e, a)
        for i, (x, y) in enumerate(zip(e, a)): norm(x, y, "%s[%d]" % (path, i))
    else:
        assert e == a and type(e) == type(a) or (isinstance(e, float) and e == a), (path, e, a)

assert len(lines) == 1 + len(exp), (len(lines), len(exp))
for i, (e, line) in enumerate(zip(exp, lines[1:])):
    assert not line.startswith("ERROR"), (i, line)
    a = json.loads(line)
    assert list(a) == list(e), (i, list(a), list(e))  # declaration order
    norm(e, a, "record %d" % i)
print("it_proto: %d records decoded as python-protobuf sees them" % len(exp))
PY
