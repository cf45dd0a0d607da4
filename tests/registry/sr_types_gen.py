#!/usr/bin/python3
"""Records of every registry type for it_sr_types.sh, with what the table
must hold for each (computed here from the same logical records, not by
the processor's code).

  sr_types_gen.py FORMAT OUTDIR N [--json-datetime string|timestamptz]

FORMAT avro | protobuf | json. Writes into OUTDIR:
  schema.avsc | schema.proto | schema.json   the subject's schema
  records.jsonl   N values in sr-produce's input form (tools/sr-produce.mjs)
  expected.json   {"cols": [[name, type]], "rows": [{col: canonical}]}
                  type: an Iceberg JSON type (metadata form); canonical
                  values: ints, floats, strings, bools, None, lists, dicts
                  (maps: keys as strings); binary/fixed as lower hex,
                  decimals as text with the scale's digits, uuid text,
                  date as days, time and timestamps as micros.
  Avro only: edge.jsonl  records avsc cannot write (longs past 2^53),
                  written with Debian's python3-avro by `sr_types_gen.py
                  avro-edge OUTDIR SCHEMA_ID` into edge.hex (appended
                  after the N records, their expectations included).
"""
import base64
import datetime
import io
import json
import random
import sys
import uuid

def struct(*fields):
    return {"type": "struct", "fields": [{"name": n, "type": t} for n, t in fields]}


def lst(t):
    return {"type": "list", "element": t}


def mp(k, v):
    return {"type": "map", "key": k, "value": v}


UNI = ["", "héllo wörld", "日本語テキスト", "emoji 😀🎉", "tab\tquote\"back\\slash\nnl",
       "ünïcødé Ω≈ç√", "x" * 300]


def rstr(r):
    if r.random() < 0.3:
        return r.choice(UNI)
    return "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789 -_") for _ in range(r.randint(0, 12)))


def hexb(b):
    return b.hex()


def b64(b):
    return {"$bytes": base64.b64encode(b).decode()}


def twos(v, size=None):
    """big-endian two's complement, minimal or size bytes"""
    if size is None:
        size = 1
        while not -(1 << (8 * size - 1)) <= v < (1 << (8 * size - 1)):
            size += 1
    return v.to_bytes(size, "big", signed=True)


def dec_text(unscaled, scale):
    sign = "-" if unscaled < 0 else ""
    s = str(abs(unscaled)).rjust(scale + 1, "0")
    return sign + (s[:-scale] + "." + s[-scale:] if scale else s)


def rint(r, bits):
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return r.choice([lo, hi, 0, -1, 1, r.randint(lo, hi), r.randint(-1000, 1000)])


SAFE = (1 << 52) - 1  # avsc writes longs through doubles: stay below 2^52


def rsafe(r):
    return r.choice([SAFE, -SAFE, 0, -1, r.randint(-SAFE, SAFE), r.randint(-100000, 100000)])


def rfloat(r):
    return r.choice([0.0, -0.5, 1.5, r.randint(-1000000, 1000000) / 8])


def rdouble(r):
    return r.choice([0.0, 1e300, -2.5e-300, 5e-324, 1.7976931348623157e308,
                     r.uniform(-1e12, 1e12), r.randint(-10, 10) / 4])


def rts_micros(r):
    # 1875 .. 2065, before 1970 included, sub-second digits
    return r.choice([0, -1, -1000000, 1, r.randint(-3 * 10**15, 3 * 10**15)])


# ------------------------------------------------------------------ Avro

AVRO_INNER = {"type": "record", "name": "Inner", "fields": [
    {"name": "a", "type": "int"},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "om", "type": ["null", {"type": "map", "values": "long"}], "default": None}]}
AVRO_ITEM = {"type": "record", "name": "Item", "fields": [
    {"name": "name", "type": "string"},
    {"name": "q", "type": ["null", "long"], "default": None},
    {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    {"name": "price", "type": ["null", {"type": "bytes", "logicalType": "decimal",
                                        "precision": 9, "scale": 2}], "default": None}]}
AVRO_SCHEMA = {"type": "record", "name": "Rec", "namespace": "t", "fields": [
    {"name": "i", "type": "int"},
    {"name": "l", "type": "long"},
    {"name": "f", "type": "float"},
    {"name": "d", "type": "double"},
    {"name": "b", "type": "boolean"},
    {"name": "s", "type": "string"},
    {"name": "by", "type": "bytes"},
    {"name": "os", "type": ["null", "string"], "default": None},
    {"name": "ol", "type": ["null", "long"], "default": None},
    {"name": "u", "type": ["null", "string", "long"], "default": None},
    {"name": "u2", "type": ["int", "string"]},
    {"name": "e", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN", "BLUE"]}},
    {"name": "fx", "type": {"type": "fixed", "name": "F4", "size": 4}},
    {"name": "dec", "type": {"type": "bytes", "logicalType": "decimal", "precision": 20, "scale": 4}},
    {"name": "decfx", "type": {"type": "fixed", "name": "F8", "size": 8, "logicalType": "decimal",
                               "precision": 18, "scale": 2}},
    {"name": "uid", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "dt", "type": {"type": "int", "logicalType": "date"}},
    {"name": "tms", "type": {"type": "int", "logicalType": "time-millis"}},
    {"name": "tus", "type": {"type": "long", "logicalType": "time-micros"}},
    {"name": "tsm", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "tsu", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    {"name": "ltm", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
    {"name": "ltu", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
    {"name": "inner", "type": AVRO_INNER},
    {"name": "deep", "type": {"type": "map", "values": {"type": "array", "items": AVRO_ITEM}}},
    {"name": "arr", "type": {"type": "array", "items": ["null", "double"]}},
    {"name": "onest", "type": ["null", "Inner"], "default": None}]}
INNER_T = struct(("a", "int"), ("tags", lst("string")), ("om", mp("string", "long")))
AVRO_COLS = [
    ("i", "int"), ("l", "long"), ("f", "float"), ("d", "double"), ("b", "boolean"),
    ("s", "string"), ("by", "binary"), ("os", "string"), ("ol", "long"),
    ("u", struct(("member0", "string"), ("member1", "long"))),
    ("u2", struct(("member0", "int"), ("member1", "string"))),
    ("e", "string"), ("fx", "fixed[4]"), ("dec", "decimal(20, 4)"), ("decfx", "decimal(18, 2)"),
    ("uid", "uuid"), ("dt", "date"), ("tms", "time"), ("tus", "time"), ("tsm", "timestamptz"),
    ("tsu", "timestamptz"), ("ltm", "timestamp"), ("ltu", "timestamp"), ("inner", INNER_T),
    ("deep", mp("string", lst(struct(("name", "string"), ("q", "long"), ("at", "timestamptz"),
                                      ("price", "decimal(9, 2)"))))),
    ("arr", lst("double")), ("onest", INNER_T)]


def avro_inner(r):
    om = None if r.random() < 0.3 else {rstr(r)[:8] + str(j): rsafe(r) for j in range(r.randint(0, 3))}
    v = {"a": rint(r, 32), "tags": [rstr(r) for _ in range(r.randint(0, 3))], "om": om}
    return v, dict(v)


def avro_record(r, k):
    """-> (sr-produce value, canonical expectation)"""
    v, x = {}, {}
    v["i"] = x["i"] = rint(r, 32)
    v["l"] = x["l"] = rsafe(r)
    v["f"] = x["f"] = rfloat(r)
    v["d"] = x["d"] = rdouble(r)
    v["b"] = x["b"] = r.random() < 0.5
    v["s"] = x["s"] = UNI[k % len(UNI)] if k < 50 else rstr(r)
    by = bytes(r.randrange(256) for _ in range(r.randint(0, 9)))
    v["by"], x["by"] = b64(by), hexb(by)
    v["os"] = x["os"] = None if k % 3 == 0 else rstr(r)
    v["ol"] = x["ol"] = None if k % 4 == 1 else rsafe(r)
    c = k % 3
    if c == 0:
        v["u"], x["u"] = None, None
    elif c == 1:
        v["u"] = rstr(r)
        x["u"] = {"member0": v["u"], "member1": None}
    else:
        v["u"] = rsafe(r)
        x["u"] = {"member0": None, "member1": v["u"]}
    if k % 2:
        v["u2"] = rint(r, 32)
        x["u2"] = {"member0": v["u2"], "member1": None}
    else:
        v["u2"] = rstr(r)
        x["u2"] = {"member0": None, "member1": v["u2"]}
    v["e"] = x["e"] = ["RED", "GREEN", "BLUE"][k % 3]
    fx = bytes(r.randrange(256) for _ in range(4))
    v["fx"], x["fx"] = b64(fx), hexb(fx)
    un = r.choice([10**20 - 1, -(10**20 - 1), 0, -1, 1, -15000, r.randint(-10**20 + 1, 10**20 - 1),
                   r.randint(-10**6, 10**6)])
    v["dec"], x["dec"] = b64(twos(un)), dec_text(un, 4)
    un = r.choice([10**18 - 1, -(10**18 - 1), 0, -5, r.randint(-10**18 + 1, 10**18 - 1)])
    v["decfx"], x["decfx"] = b64(twos(un, 8)), dec_text(un, 2)
    v["uid"] = x["uid"] = str(uuid.UUID(int=r.getrandbits(128), version=4))
    v["dt"] = x["dt"] = r.choice([0, -1, -25567, 19000, r.randint(-100000, 100000)])
    v["tms"] = r.choice([0, 86399999, r.randint(0, 86399999)])
    x["tms"] = v["tms"] * 1000
    v["tus"] = x["tus"] = r.choice([0, 86399999999, r.randint(0, 86399999999)])
    v["tsm"] = r.choice([0, -1, -86400001, r.randint(-3 * 10**12, 3 * 10**12)])
    x["tsm"] = v["tsm"] * 1000
    v["tsu"] = x["tsu"] = rts_micros(r)
    v["ltm"] = r.randint(-3 * 10**12, 3 * 10**12)
    x["ltm"] = v["ltm"] * 1000
    v["ltu"] = x["ltu"] = rts_micros(r)
    v["inner"], x["inner"] = avro_inner(r)
    v["deep"], x["deep"] = {}, {}
    for j in range(r.choice([0, 1, 2, 3])):
        key = rstr(r)[:6] + "#" + str(j)
        items, xitems = [], []
        for _ in range(r.randint(0, 3)):
            it = {"name": rstr(r), "q": None if r.random() < 0.4 else rsafe(r),
                  "at": rts_micros(r), "price": None}
            xi = dict(it)
            if r.random() < 0.6:
                un = r.randint(-(10**9 - 1), 10**9 - 1)
                it["price"], xi["price"] = b64(twos(un)), dec_text(un, 2)
            items.append(it)
            xitems.append(xi)
        v["deep"][key], x["deep"][key] = items, xitems
    v["arr"] = x["arr"] = [None if r.random() < 0.3 else rdouble(r) for _ in range(r.choice([0, 1, 4]))]
    if k % 5 == 0:
        v["onest"], x["onest"] = None, None
    else:
        v["onest"], x["onest"] = avro_inner(r)
    return v, x


def avro_edges():
    """values past avsc's 2^53: int64 min/max in every long position"""
    out = []
    for n, big in enumerate([-(1 << 63), (1 << 63) - 1]):
        r = random.Random(1000 + n)
        v, x = avro_record(r, 1 + n)
        for key in ("l", "ol"):
            v[key] = x[key] = big
        v["u"] = big
        x["u"] = {"member0": None, "member1": big}
        v["inner"]["om"] = {"edge": big}
        x["inner"]["om"] = {"edge": big}
        out.append((v, x))
    return out


# -------------------------------------------------------------- Protobuf

PROTO = """syntax = "proto3";
package t;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

enum Color { RED = 0; GREEN = 1; BLUE = 2; }
message Inner { int32 a = 1; repeated string tags = 2; map<string, int64> om = 3; }
message Item {
  string name = 1;
  google.protobuf.Int64Value q = 2;
  google.protobuf.Timestamp at = 3;
  Color c = 4;
}
message ItemList { repeated Item items = 1; }
// the record's message last (message index [3]): the mapping names it
// (mappings[].schema.message: t.Rec)
message Rec {
  int32 i = 1; int64 l = 2; float f = 3; double d = 4; bool b = 5; string s = 6; bytes by = 7;
  Color e = 8;
  Inner inner = 9;
  repeated Item items = 10;
  map<string, ItemList> deep = 11;
  google.protobuf.Timestamp ts = 12;
  google.protobuf.StringValue ws = 13;
  google.protobuf.Int64Value wl = 14;
  google.protobuf.DoubleValue wd = 15;
  google.protobuf.BoolValue wb = 16;
  oneof choice { string cs = 17; int64 cl = 18; Inner ci = 19; }
  optional string os = 20;
  optional int64 ol = 21;
  uint32 u32 = 22; sint64 s64 = 23; fixed64 f64 = 24;
  repeated int64 nums = 25;
  map<int64, string> mi = 26;
  sint32 s32 = 27; uint64 u64 = 28;
}
"""
P_INNER = struct(("a", "int"), ("tags", lst("string")), ("om", mp("string", "long")))
P_ITEM = struct(("name", "string"), ("q", "long"), ("at", "timestamptz"), ("c", "string"))
PROTO_COLS = [
    ("i", "int"), ("l", "long"), ("f", "float"), ("d", "double"), ("b", "boolean"),
    ("s", "string"), ("by", "binary"), ("e", "string"), ("inner", P_INNER),
    ("items", lst(P_ITEM)), ("deep", mp("string", struct(("items", lst(P_ITEM))))),
    ("ts", "timestamptz"), ("ws", "string"), ("wl", "long"), ("wd", "double"), ("wb", "boolean"),
    ("cs", "string"), ("cl", "long"), ("ci", P_INNER), ("os", "string"), ("ol", "long"),
    ("u32", "long"), ("s64", "long"), ("f64", "long"), ("nums", lst("long")),
    ("mi", mp("long", "string")), ("s32", "int"), ("u64", "long")]
COLORS = ["RED", "GREEN", "BLUE"]


def long_obj(v):
    """an int64 as protobufjs takes it past 2^53: {low, high} (signed 32-bit halves)"""
    u = v & ((1 << 64) - 1)
    lo, hi = u & 0xFFFFFFFF, u >> 32
    s = lambda w: w - (1 << 32) if w >= (1 << 31) else w  # noqa: E731
    return {"low": s(lo), "high": s(hi), "unsigned": False}


def plong(r):
    v = r.choice([-(1 << 63), (1 << 63) - 1, 0, -1, r.randint(-(1 << 63), (1 << 63) - 1), r.randint(-999, 999)])
    return (long_obj(v) if abs(v) > SAFE else v), v


def pts(r):
    micros = rts_micros(r)
    sec, us = divmod(micros, 1000000)
    extra = r.randint(0, 999)  # sub-microsecond nanos: dropped (floored)
    return {"seconds": sec, "nanos": us * 1000 + extra}, micros


def p_inner(r):
    v = {"a": rint(r, 32), "tags": [rstr(r) for _ in range(r.randint(0, 3))],
         "om": {rstr(r)[:6] + str(j): 0 for j in range(r.randint(0, 2))}}
    x = {"a": v["a"], "tags": v["tags"], "om": {}}
    for key in v["om"]:
        v["om"][key], x["om"][key] = plong(r)
    return v, x


def p_item(r):
    v, x = {"name": rstr(r)}, {"name": None, "q": None, "at": None, "c": None}
    x["name"] = v["name"]
    if r.random() < 0.6:
        q, x["q"] = plong(r)
        v["q"] = {"value": q}
    if r.random() < 0.7:
        v["at"], x["at"] = pts(r)
    c = r.randrange(3)
    if c or r.random() < 0.5:
        v["c"] = c
    x["c"] = COLORS[c]
    return v, x


def proto_record(r, k):
    v, x = {}, {}

    def implicit(name, val, default, canon=None):
        # proto3 implicit presence: absent -> the default
        if r.random() < 0.2:
            x[name] = default
        else:
            v[name] = val
            x[name] = val if canon is None else canon
    implicit("i", rint(r, 32), 0)
    lv, lc = plong(r)
    implicit("l", lv, 0, lc)
    implicit("f", rfloat(r), 0.0)
    implicit("d", rdouble(r), 0.0)
    implicit("b", r.random() < 0.5, False)
    implicit("s", UNI[k % len(UNI)] if k < 50 else rstr(r), "")
    by = bytes(r.randrange(256) for _ in range(r.randint(0, 9)))
    implicit("by", b64(by), "", hexb(by))
    c = r.randrange(3)
    implicit("e", c, "RED", COLORS[c])
    if k % 4 == 0:
        x["inner"] = None
    else:
        v["inner"], x["inner"] = p_inner(r)
    its = [p_item(r) for _ in range(r.choice([0, 1, 3]))]
    if its or r.random() < 0.5:
        v["items"] = [a for a, _ in its]
    x["items"] = [b for _, b in its]
    v["deep"], x["deep"] = {}, {}
    for j in range(r.choice([0, 1, 2])):
        key = rstr(r)[:6] + "#" + str(j)
        its = [p_item(r) for _ in range(r.randint(0, 2))]
        v["deep"][key] = {"items": [a for a, _ in its]}
        x["deep"][key] = {"items": [b for _, b in its]}
    if k % 3 == 0:
        x["ts"] = None
    else:
        v["ts"], x["ts"] = pts(r)
    for name, gen, default in (("ws", rstr, ""), ("wl", rsafe, 0), ("wd", rdouble, 0.0),
                               ("wb", lambda q: q.random() < 0.5, False)):
        m = r.randrange(4)
        if m == 0:
            x[name] = None
        elif m == 1:
            v[name], x[name] = {}, default   # present without a value: the default
        else:
            val = gen(r)
            v[name], x[name] = {"value": val}, val
    x["cs"] = x["cl"] = x["ci"] = None
    m = k % 4
    if m == 1:
        v["cs"] = x["cs"] = rstr(r)
    elif m == 2:
        v["cl"], x["cl"] = plong(r)
    elif m == 3:
        v["ci"], x["ci"] = p_inner(r)
    if k % 2:
        v["os"] = x["os"] = rstr(r)
    else:
        x["os"] = None
    if k % 3 == 2:
        v["ol"], x["ol"] = plong(r)
    else:
        x["ol"] = None
    implicit("u32", r.choice([0, (1 << 32) - 1, r.randint(0, (1 << 32) - 1)]), 0)
    sv, sc = plong(r)
    implicit("s64", sv, 0, sc)
    fv = r.choice([0, (1 << 63) - 1, r.randint(0, (1 << 63) - 1), 77])
    implicit("f64", long_obj(fv) if fv > SAFE else fv, 0, fv)
    nums = [plong(r) for _ in range(r.choice([0, 1, 5]))]
    if nums or r.random() < 0.5:
        v["nums"] = [a for a, _ in nums]
    x["nums"] = [b for _, b in nums]
    v["mi"], x["mi"] = {}, {}
    for _ in range(r.choice([0, 2])):
        key = r.choice([-(1 << 62), -5, 0, 7, r.randint(-SAFE, SAFE)])
        val = rstr(r)
        v["mi"][str(key)], x["mi"][str(key)] = val, val
    implicit("s32", rint(r, 32), 0)
    uv = r.choice([0, (1 << 63) - 1, r.randint(0, SAFE)])
    implicit("u64", long_obj(uv) if uv > SAFE else uv, 0, uv)
    return v, x


# ----------------------------------------------------------- JSON Schema

def json_schema():
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "definitions": {"P": {"type": "object", "properties": {
            "q": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}}},
        "properties": {
            "i": {"type": "integer"},
            "n": {"type": "number"},
            "s": {"type": "string"},
            "b": {"type": "boolean"},
            "ns": {"type": ["string", "null"]},
            "o": {"type": "object", "properties": {
                "x": {"type": "integer"}, "y": {"type": "string"},
                "z": {"type": "array", "items": {"type": "number"}}}},
            "arr": {"type": "array", "items": {"type": "object", "properties": {
                "k": {"type": "string"}, "v": {"type": ["integer", "null"]}}}},
            "mp": {"type": "object", "additionalProperties": {
                "type": "array", "items": {"$ref": "#/definitions/P"}}},
            "ts": {"type": "string", "format": "date-time"},
            "ref": {"$ref": "#/definitions/P"}},
        "required": ["i"]}


P_T = struct(("q", "long"), ("tags", lst("string")))


def json_cols(dt):
    return [("i", "long"), ("n", "double"), ("s", "string"), ("b", "boolean"), ("ns", "string"),
            ("o", struct(("x", "long"), ("y", "string"), ("z", lst("double")))),
            ("arr", lst(struct(("k", "string"), ("v", "long")))),
            ("mp", mp("string", lst(P_T))), ("ts", dt), ("ref", P_T)]


def rfc3339(micros, r):
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=micros)
    if r.random() < 0.5:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), micros
    # an offset: the same instant written in +02:00, seconds only
    micros -= micros % 1000000
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=micros, hours=2)
    return t.strftime("%Y-%m-%dT%H:%M:%S+02:00"), micros


def json_record(r, k, dt):
    v, x = {}, {}
    v["i"] = x["i"] = rsafe(r)
    for name, gen in (("n", rdouble), ("s", rstr), ("b", lambda q: q.random() < 0.5)):
        if r.random() < 0.15:
            x[name] = None   # absent property: null
        else:
            v[name] = x[name] = gen(r)
    if k < 50:
        v["s"] = x["s"] = UNI[k % len(UNI)]
    v["ns"] = x["ns"] = None if k % 3 == 0 else rstr(r)
    if k % 5 == 0:
        x["o"] = None
    else:
        v["o"] = {"x": rsafe(r), "y": rstr(r), "z": [rdouble(r) for _ in range(r.choice([0, 2]))]}
        x["o"] = dict(v["o"])
    v["arr"] = [{"k": rstr(r), "v": None if r.random() < 0.3 else rsafe(r)} for _ in range(r.choice([0, 1, 3]))]
    x["arr"] = v["arr"]
    v["mp"], x["mp"] = {}, {}
    for j in range(r.choice([0, 1, 2])):
        ps = [{"q": rsafe(r), "tags": [rstr(r) for _ in range(r.randint(0, 2))]} for _ in range(r.randint(0, 2))]
        v["mp"]["k" + str(j) + rstr(r)[:4]] = ps
    x["mp"] = v["mp"]
    if k % 4 == 0:
        x["ts"] = None
    else:
        text, micros = rfc3339(rts_micros(r), r)
        v["ts"] = text
        x["ts"] = text if dt == "string" else micros
    if k % 2:
        x["ref"] = None
    else:
        v["ref"] = {"q": rsafe(r), "tags": ["a", rstr(r)]}
        x["ref"] = v["ref"]
    return v, x


# ------------------------------------------------------------------ main

def main():
    if sys.argv[1] == "avro-edge":
        avro_edge_hex(sys.argv[2], int(sys.argv[3]))
        return
    fmt, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    dt = "string"
    if "--json-datetime" in sys.argv:
        dt = sys.argv[sys.argv.index("--json-datetime") + 1]
    r = random.Random({"avro": 1, "protobuf": 2, "json": 3}[fmt])
    rows, vals = [], []
    if fmt == "avro":
        open(f"{out}/schema.avsc", "w").write(json.dumps(AVRO_SCHEMA))
        cols = AVRO_COLS
        gen = avro_record
    elif fmt == "protobuf":
        open(f"{out}/schema.proto", "w").write(PROTO)
        cols = PROTO_COLS
        gen = proto_record
    else:
        open(f"{out}/schema.json", "w").write(json.dumps(json_schema()))
        cols = json_cols(dt)
        gen = lambda q, k: json_record(q, k, dt)  # noqa: E731
    for k in range(n):
        v, x = gen(r, k)
        vals.append(v)
        rows.append(x)
    if fmt == "avro":
        edges = avro_edges()
        with open(f"{out}/edge.jsonl", "w") as f:
            for v, x in edges:
                f.write(json.dumps(v) + "\n")
                rows.append(x)
    with open(f"{out}/records.jsonl", "w") as f:
        for v in vals:
            f.write(json.dumps(v, ensure_ascii=False) + "\n")
    json.dump({"cols": cols, "rows": rows}, open(f"{out}/expected.json", "w"))


def avro_edge_hex(out, sid):
    """edge.jsonl -> edge.hex with python3-avro (Confluent framing)"""
    import warnings
    warnings.simplefilter("ignore")
    import avro.io
    import avro.schema
    def plain(t):  # the same binary encoding, without python3-avro's logical-type objects
        if isinstance(t, dict):
            return {a: plain(b) for a, b in t.items() if a not in ("logicalType", "precision", "scale")}
        if isinstance(t, list):
            return [plain(b) for b in t]
        return t
    sch = avro.schema.parse(json.dumps(plain(AVRO_SCHEMA)))

    def unb64(v):
        if isinstance(v, dict) and set(v) == {"$bytes"}:
            return base64.b64decode(v["$bytes"])
        if isinstance(v, dict):
            return {a: unb64(b) for a, b in v.items()}
        if isinstance(v, list):
            return [unb64(b) for b in v]
        return v
    with open(f"{out}/edge.hex", "w") as f:
        for line in open(f"{out}/edge.jsonl"):
            v = unb64(json.loads(line))
            buf = io.BytesIO()
            avro.io.DatumWriter(sch).write(v, avro.io.BinaryEncoder(buf))
            f.write((b"\x00" + sid.to_bytes(4, "big") + buf.getvalue()).hex() + "\n")


if __name__ == "__main__":
    main()
