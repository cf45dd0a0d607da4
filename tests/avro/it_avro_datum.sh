#!/usr/bin/env bash
# Interoperability of the datum decoder (src/avro/avro_datum.c) with an
# independent encoder: Debian's python3-avro encodes binary datums with
# three writer versions of an evolving subject (nested records, unions,
# enums, fixed, decimals, logical types, maps, arrays) and decodes them
# back with the writer schema; the expected reader-side value is then
# derived here from that value by the spec's resolution rules (python-avro
# 1.11's own resolution cannot read e.g. map<long> as map<[null,long]>).
# Our decoder (tests/avro/avro_datum_tool.c, built next to the binary given
# as $1) must produce the same values: both sides are normalised to one
# JSON form (decimals as unscaled integers, dates as days, times and
# timestamps as microseconds, bytes as base64, multi-branch unions as
# {"memberK": v}).
set -euo pipefail
bin_dir=$(cd "$(dirname "$1")" && pwd)
tool="$bin_dir/avro_datum_tool"
[ -x "$tool" ] || { echo "it_avro_datum: $tool not built"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/icp-avro-datum.XXXXXX")
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$work" "$tool" <<'PY'
import base64, datetime, decimal, io, json, subprocess, sys, uuid, warnings
import avro.errors, avro.io, avro.schema

warnings.filterwarnings("ignore", category=avro.errors.IgnoredLogicalType)
work, tool = sys.argv[1], sys.argv[2]
EPOCH_DAY = datetime.date(1970, 1, 1)
EPOCH_TS = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
US = datetime.timedelta(microseconds=1)

def dec(p, s, name=None, size=None):
    t = {"type": "fixed", "name": name, "size": size} if size else {"type": "bytes"}
    t.update({"logicalType": "decimal", "precision": p, "scale": s})
    return t

ADDR1 = {"type": "record", "name": "Addr", "fields": [
    {"name": "street", "type": "string"}, {"name": "zip", "type": "int"}]}
ADDR2 = {"type": "record", "name": "Addr", "fields": [
    {"name": "street", "type": "string"}, {"name": "zip", "type": "int"},
    {"name": "geo", "type": ["null", {"type": "array", "items": "float"}], "default": None}]}
ADDR3 = {"type": "record", "name": "Addr", "fields": [
    {"name": "zip", "type": "long"}, {"name": "street", "type": "string"},
    {"name": "geo", "type": ["null", {"type": "array", "items": "double"}], "default": None},
    {"name": "country", "type": "string", "default": "NL"}]}
ST1 = {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}
ST2 = {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID", "LOST", "SHIPPED"]}
ST3 = {"type": "enum", "name": "Status", "symbols": ["SHIPPED", "PAID", "NEW", "UNKNOWN"],
       "default": "UNKNOWN"}

V1 = {"type": "record", "name": "Order", "namespace": "shop", "fields": [
    {"name": "id", "type": "long"},
    {"name": "name", "type": "string"},
    {"name": "status", "type": ST1},
    {"name": "amount", "type": dec(10, 2)},
    {"name": "hash", "type": {"type": "fixed", "name": "H4", "size": 4}},
    {"name": "addr", "type": ADDR1},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "attrs", "type": {"type": "map", "values": "long"}},
    {"name": "created", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "day", "type": {"type": "int", "logicalType": "date"}},
    {"name": "score", "type": "int"}]}
V2 = {"type": "record", "name": "Order", "namespace": "shop", "fields": [
    {"name": "id", "type": "long"},
    {"name": "name", "type": "string"},
    {"name": "status", "type": ST2},
    {"name": "amount", "type": dec(10, 2)},
    {"name": "hash", "type": {"type": "fixed", "name": "H4", "size": 4}},
    {"name": "addr", "type": ADDR2},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "attrs", "type": {"type": "map", "values": "long"}},
    {"name": "created", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "day", "type": {"type": "int", "logicalType": "date"}},
    {"name": "score", "type": "float"},
    {"name": "note", "type": ["null", "string"], "default": None},
    {"name": "pick", "type": ["null", "int", "string"], "default": None},
    {"name": "tid", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "t", "type": {"type": "int", "logicalType": "time-millis"}}]}
V3 = {"type": "record", "name": "Order", "namespace": "shop", "fields": [
    {"name": "id", "type": "long"},
    {"name": "status", "type": ST3},
    {"name": "amount", "type": dec(10, 2)},
    {"name": "hash", "type": {"type": "fixed", "name": "H4", "size": 4}},
    {"name": "addr", "type": ADDR3},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "attrs", "type": {"type": "map", "values": ["null", "long"]}},
    {"name": "created", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "day", "type": {"type": "int", "logicalType": "date"}},
    {"name": "score", "type": "double"},
    {"name": "note", "type": ["null", "string"], "default": None},
    {"name": "pick", "type": ["null", "int", "string", "Addr"], "default": None},
    {"name": "tid", "type": ["null", {"type": "string", "logicalType": "uuid"}], "default": None},
    {"name": "t", "type": {"type": "int", "logicalType": "time-millis"}, "default": 0},
    {"name": "t2", "type": {"type": "long", "logicalType": "time-micros"}, "default": 5},
    {"name": "price", "type": dec(18, 4, "P8", 8), "default": "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0001"},
    {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
        {"name": "sku", "type": "string"}, {"name": "qty", "type": "int"},
        {"name": "at", "type": ["null", "Addr"]}]}}, "default": []},
    {"name": "flags", "type": {"type": "map", "values": "boolean"}, "default": {"x": True}},
    {"name": "ok", "type": "boolean", "default": False}]}

def ts(ms):
    return EPOCH_TS + datetime.timedelta(milliseconds=ms)

def base(i):
    return {"id": i * 1000003 - 2**40 if i % 2 else 2**62 + i, "name": "n%d-\u00e9\u4e2d" % i,
            "amount": decimal.Decimal(i * 12345 - 50000).scaleb(-2),
            "hash": bytes([i, 255 - i, 0, 7]),
            "tags": ["t%d" % k for k in range(i % 4)],
            "attrs": {"k%d" % k: k * -7 for k in range(i % 3)},
            "created": ts(1700000000000 + i * 86399999 - (i % 2) * 2 * 1700000000000),
            "day": EPOCH_DAY + datetime.timedelta(days=19000 - i * 500)}

def v1(i):
    d = base(i)
    d.update({"status": ["NEW", "PAID"][i % 2],
              "addr": {"street": "Main %d" % i, "zip": -i * 1001}, "score": i - 3})
    return d

def v2(i):
    d = base(i)
    d.update({"status": ["NEW", "PAID", "LOST", "SHIPPED"][i % 4],
              "addr": {"street": "", "zip": i, "geo": None if i % 2 else [0.5, -1.25 * i]},
              "score": 1.5 * i, "note": None if i % 3 == 0 else "note %d" % i,
              "pick": [None, i, "s%d" % i][i % 3],
              "tid": str(uuid.UUID(int=i * 0x1234567890abcdef)),
              "t": datetime.time(i % 24, i % 60, 7, (i * 1000) % 1000000)})
    return d

def v3(i):
    d = base(i)
    del d["name"]
    d.update({"status": ["SHIPPED", "PAID", "NEW", "UNKNOWN"][i % 4],
              "addr": {"zip": i * 2**33, "street": "s", "geo": [1e300, -0.0], "country": "BE"},
              "attrs": {"a": None, "b": i}, "score": 2.0 ** -i,
              "note": "n", "pick": [{"zip": 1, "street": "x", "geo": None, "country": "DE"}, None, i][i % 3],
              "tid": str(uuid.UUID(int=i << 64 | i)),
              "t": datetime.time(23, 59, 59, 999000), "t2": datetime.time(23, 59, 59, 999999 - i),
              "price": decimal.Decimal(-i * 99999).scaleb(-4),
              "lines": [{"sku": "sku%d" % k, "qty": k, "at": None if k % 2 else
                         {"zip": k, "street": "l", "geo": None, "country": "FR"}} for k in range(i % 3)],
              "flags": {"f%d" % i: bool(i % 2)}, "ok": True})
    return d

def branch_for(nn, v):
    """The reader union branch a writer value of this python type lands in."""
    want = {type(None): ("null",), bool: ("boolean",), int: ("int", "long", "float", "double"),
            float: ("float", "double"), str: ("string", "enum"), bytes: ("bytes", "fixed"),
            dict: ("record", "map"), list: ("array",)}.get(type(v), ())
    for k, b in enumerate(nn):
        if b.type in want:
            return k
    raise ValueError("no branch for %r" % (v,))

def norm_default(t, d):
    """A JSON default of reader type t -> the normalised form."""
    if isinstance(t, avro.schema.UnionSchema):
        t = t.schemas[0]
        return None if t.type == "null" else norm_default(t, d)
    lt = t.props.get("logicalType")
    if t.type == "record":
        return {f.name: norm_default(f.type, d[f.name] if f.name in d else f.default)
                for f in t.fields}
    if t.type == "array":
        return [norm_default(t.items, x) for x in d]
    if t.type == "map":
        return {k: norm_default(t.values, x) for k, x in d.items()}
    if t.type in ("bytes", "fixed"):
        raw = d.encode("latin-1")
        return int.from_bytes(raw, "big", signed=True) if lt == "decimal" else \
            base64.b64encode(raw).decode()
    if t.type in ("float", "double"):
        return float(d)
    return d

def norm_expected(t, v):
    """A value python decoded with the writer schema -> the reader's
    normalised form, resolving as the spec says."""
    if isinstance(t, avro.schema.UnionSchema):
        if v is None:
            return None
        nn = [b for b in t.schemas if b.type != "null"]
        if len(nn) == 1:
            return norm_expected(nn[0], v)
        k = branch_for(nn, v)
        return {"member%d" % k: norm_expected(nn[k], v)}
    lt = t.props.get("logicalType")
    if t.type == "record":
        return {f.name: norm_expected(f.type, v[f.name]) if f.name in v
                else norm_default(f.type, f.default) for f in t.fields}
    if t.type == "array":
        return [norm_expected(t.items, x) for x in v]
    if t.type == "map":
        return {k: norm_expected(t.values, x) for k, x in v.items()}
    if t.type == "enum":
        return v if v in t.symbols else t.props["default"]
    if lt == "decimal":
        return int(v.scaleb(t.props.get("scale", 0)))
    if t.type in ("bytes", "fixed"):
        return base64.b64encode(v).decode()
    if lt == "date":
        return (v - EPOCH_DAY).days
    if lt in ("time-millis", "time-micros"):
        return ((v.hour * 60 + v.minute) * 60 + v.second) * 1000000 + v.microsecond
    if lt in ("timestamp-millis", "timestamp-micros"):
        return (v - EPOCH_TS) // US
    if lt == "uuid":
        return str(v)
    if t.type in ("float", "double"):
        return float(v)
    return v

def norm_ours(t, v):
    """Our vtree JSON -> the same form (decimals: bytes -> unscaled int)."""
    if isinstance(t, avro.schema.UnionSchema):
        if v is None:
            return None
        nn = [b for b in t.schemas if b.type != "null"]
        if len(nn) == 1:
            return norm_ours(nn[0], v)
        (k, x), = v.items()
        return {k: norm_ours(nn[int(k[6:])], x)}
    if t.type == "record":
        return {f.name: norm_ours(f.type, v[f.name]) for f in t.fields}
    if t.type == "array":
        return [norm_ours(t.items, x) for x in v]
    if t.type == "map":
        return {k: norm_ours(t.values, x) for k, x in v.items()}
    if t.props.get("logicalType") == "decimal":
        return int.from_bytes(base64.b64decode(v), "big", signed=True)
    return v

reader = avro.schema.parse(json.dumps(V3))
with open("%s/reader.avsc" % work, "w") as f:
    json.dump(V3, f)
fails = total = 0
for ver, (wjson, gen) in enumerate([(V1, v1), (V2, v2), (V3, v3)], 1):
    writer = avro.schema.parse(json.dumps(wjson))
    wpath = "%s/w%d.avsc" % (work, ver)
    with open(wpath, "w") as f:
        json.dump(wjson, f)
    files, expected = [], []
    for i in range(12):
        buf = io.BytesIO()
        avro.io.DatumWriter(writer).write(gen(i), avro.io.BinaryEncoder(buf))
        raw = buf.getvalue()
        path = "%s/d%d_%d.bin" % (work, ver, i)
        with open(path, "wb") as f:
            f.write(raw)
        files.append(path)
        exp = avro.io.DatumReader(writer, writer).read(avro.io.BinaryDecoder(io.BytesIO(raw)))
        expected.append(norm_expected(reader, exp))
    out = subprocess.run([tool, wpath, "%s/reader.avsc" % work] + files, check=True,
                         capture_output=True, text=True).stdout.splitlines()
    if len(out) != len(files):
        print("v%d: %d lines for %d datums: %s" % (ver, len(out), len(files), out))
        sys.exit(1)
    for i, line in enumerate(out):
        total += 1
        if line.startswith("ERROR"):
            print("v%d datum %d: %s" % (ver, i, line)); fails += 1; continue
        got = norm_ours(reader, json.loads(line))
        if got != expected[i]:
            fails += 1
            print("v%d datum %d differs:\n ours   %s\n python %s" % (ver, i, got, expected[i]))

# Truncated and trailing-byte datums are refused with the byte offset.
raw = open("%s/d1_1.bin" % work, "rb").read()
for name, data in (("cut", raw[:-1]), ("tail", raw + b"\x00")):
    with open("%s/%s.bin" % (work, name), "wb") as f:
        f.write(data)
out = subprocess.run([tool, "%s/w1.avsc" % work, "%s/reader.avsc" % work,
                      "%s/cut.bin" % work, "%s/tail.bin" % work], check=True,
                     capture_output=True, text=True).stdout.splitlines()
if not (out[0].startswith("ERROR avro: at byte") and "truncated" in out[0]
        and out[1].startswith("ERROR avro: at byte %d: trailing" % len(raw))):
    print("bad errors: %s" % out); fails += 1
print("it_avro_datum: %d datums, %d failures" % (total, fails))
sys.exit(1 if fails else 0)
PY
