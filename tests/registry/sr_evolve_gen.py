#!/usr/bin/python3
"""Schema versions and records for it_sr_evolve.sh.

  sr_evolve_gen.py gen FORMAT OUTDIR
      FORMAT avro | protobuf | json. Writes schema.v1 .. schema.v4 (v2
      adds a nested field in a struct, one in a list's element struct and
      a top-level one, and widens int->long and float->double (Avro and
      Protobuf) and a decimal's precision (Avro); v3 adds more; v4 narrows
      items[].qty back (JSON: changes addr.zip's kind), which the table
      must refuse), rec.<part>.jsonl (sr-produce input) and
      canon.<part>.jsonl (what the row must hold, canonical as in
      sr_types_gen.py) for parts v1, v2, v3, v1b (v1 records written after
      v3) and v4, and cols.v1..v3.json (the table's registry columns).
  sr_evolve_gen.py mix OUTDIR        rec v3 and v1b hex (v3.hex, v1b.hex)
      interleaved into mix.hex, canon.mix.jsonl likewise
  sr_evolve_gen.py expect OUTDIR VERSION OUT PART...
      OUT = {"cols": cols.VERSION, "rows": canon of the parts in order}
"""
import base64
import json
import random
import sys


def struct(*fields):
    return {"type": "struct", "fields": [{"name": n, "type": t} for n, t in fields]}


def lst(t):
    return {"type": "list", "element": t}


def mp(k, v):
    return {"type": "map", "key": k, "value": v}


def twos(v):
    size = 1
    while not -(1 << (8 * size - 1)) <= v < (1 << (8 * size - 1)):
        size += 1
    return v.to_bytes(size, "big", signed=True)


def dec_text(unscaled, scale):
    sign = "-" if unscaled < 0 else ""
    s = str(abs(unscaled)).rjust(scale + 1, "0")
    return sign + s[:-scale] + "." + s[-scale:]


# --------------------------------------------------------------- schemas

def avro_schema(v):
    geo = {"name": "geo", "type": ["null", {"type": "record", "name": "Geo", "fields": [
        {"name": "lat", "type": "double"}, {"name": "lon", "type": "double"}]}], "default": None}
    addr = [{"name": "city", "type": "string"}, {"name": "zip", "type": ["null", "int"], "default": None}]
    item = [{"name": "sku", "type": "string"},
            {"name": "qty", "type": "int" if v in (1, 4) else "long"}]
    prec = 9 if v == 1 else 12
    fields = [{"name": "id", "type": "long"},
              {"name": "n", "type": "int" if v == 1 else "long"},
              {"name": "f", "type": "float" if v == 1 else "double"},
              {"name": "amt", "type": {"type": "bytes", "logicalType": "decimal", "precision": prec, "scale": 2}},
              {"name": "addr", "type": {"type": "record", "name": "Addr", "fields": addr}},
              {"name": "items", "type": {"type": "array", "items": {"type": "record", "name": "Item", "fields": item}}}]
    if v >= 2:
        addr.append(geo)
        item.append({"name": "price", "type": ["null", "double"], "default": None})
        fields.append({"name": "note", "type": ["null", "string"], "default": None})
    if v >= 3:
        addr.append({"name": "country", "type": ["null", "string"], "default": None})
        fields.append({"name": "tags", "type": {"type": "array", "items": "string"}, "default": []})
        fields.append({"name": "extra", "type": ["null", {"type": "map", "values": "long"}], "default": None})
    return json.dumps({"type": "record", "name": "Rec", "namespace": "ev", "fields": fields})


def proto_schema(v):
    n = "int32" if v == 1 else "int64"
    f = "float" if v == 1 else "double"
    qty = "int32" if v in (1, 4) else "int64"
    geo = "  Geo geo = 3;\n" if v >= 2 else ""
    country = "  string country = 4;\n" if v >= 3 else ""
    price = "  google.protobuf.DoubleValue price = 3;\n" if v >= 2 else ""
    top = ""
    if v >= 2:
        top += "  optional string note = 6;\n"
    if v >= 3:
        top += "  repeated string tags = 7;\n  map<string, int64> extra = 8;\n"
    return ('syntax = "proto3";\npackage ev;\nimport "google/protobuf/wrappers.proto";\n'
            "message Rec {\n  int64 id = 1;\n  %s n = 2;\n  %s f = 3;\n  Addr addr = 4;\n"
            "  repeated Item items = 5;\n%s}\n"
            "message Addr {\n  string city = 1;\n  google.protobuf.Int32Value zip = 2;\n%s%s}\n"
            "message Geo { double lat = 1; double lon = 2; }\n"
            "message Item {\n  string sku = 1;\n  %s qty = 2;\n%s}\n") % (n, f, top, geo, country, qty, price)


def json_schema(v):
    addr = {"city": {"type": "string"},
            "zip": {"type": "string" if v == 4 else "integer"}}
    item = {"sku": {"type": "string"}, "qty": {"type": "integer"}}
    props = {"id": {"type": "integer"}, "n": {"type": "integer"}, "f": {"type": "number"},
             "addr": {"type": "object", "properties": addr},
             "items": {"type": "array", "items": {"type": "object", "properties": item}}}
    if v >= 2:
        addr["geo"] = {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}}
        item["price"] = {"type": "number"}
        props["note"] = {"type": "string"}
    if v >= 3:
        addr["country"] = {"type": "string"}
        props["tags"] = {"type": "array", "items": {"type": "string"}}
        props["extra"] = {"type": "object", "additionalProperties": {"type": "integer"}}
    return json.dumps({"type": "object", "properties": props})


def cols(fmt, v):
    wide = v >= 2 and fmt != "json"
    ilong = "long" if fmt == "json" else None
    n_t = ilong or ("long" if wide else "int")
    f_t = "double" if (wide or fmt == "json") else "float"
    addr = [("city", "string"), ("zip", "long" if fmt == "json" else "int")]
    item = [("sku", "string"), ("qty", ilong or ("long" if wide else "int"))]
    out = [("id", "long"), ("n", n_t), ("f", f_t)]
    if fmt == "avro":
        out.append(("amt", "decimal(%d, 2)" % (9 if v == 1 else 12)))
    if v >= 2:
        addr.append(("geo", struct(("lat", "double"), ("lon", "double"))))
        item.append(("price", "double"))
    if v >= 3:
        addr.append(("country", "string"))
    out += [("addr", struct(*addr)), ("items", lst(struct(*item)))]
    if v >= 2:
        out.append(("note", "string"))
    if v >= 3:
        out += [("tags", lst("string")), ("extra", mp("string", "long"))]
    return out


# --------------------------------------------------------------- records

def record(fmt, v, k, r):
    """-> (sr-produce value, canonical row)"""
    x = {"id": k, "n": r.randint(-2**31, 2**31 - 1), "f": r.randint(-10**6, 10**6) / 8}
    if v >= 2:
        x["n"] = r.choice([2**40 + k, -(2**50), x["n"]])
        x["f"] = r.choice([0.1 + k, 1e200, -2.5])
    val = dict(x)
    if fmt == "avro":
        un = r.randint(-(10**9 - 1), 10**9 - 1) if v == 1 else r.choice([10**12 - 1, -(10**11), 12345])
        val["amt"] = {"$bytes": base64.b64encode(twos(un)).decode()}
        x["amt"] = dec_text(un, 2)
    zip_ = None if k % 3 == 0 else r.randint(1000, 99999)
    addr = {"city": "city-%d-é" % k, "zip": zip_}
    xaddr = dict(addr)
    if fmt == "protobuf":
        addr = {"city": addr["city"]}
        if zip_ is not None:
            addr["zip"] = {"value": zip_}
    if fmt == "json" and zip_ is None:
        del addr["zip"]
    if fmt == "json" and v == 4 and zip_ is not None:
        addr["zip"] = str(zip_)   # v4 makes it a string
    if v >= 2:
        geo = None if k % 2 else {"lat": 48.5 + k, "lon": -k / 4}
        xaddr["geo"] = geo
        if geo is not None or fmt == "avro":
            addr["geo"] = geo
    if v >= 3:
        addr["country"] = xaddr["country"] = "c%d" % (k % 7)
    val["addr"], x["addr"] = addr, xaddr
    items, xitems = [], []
    for j in range(k % 3):
        it = {"sku": "s%d.%d" % (k, j), "qty": r.randint(-1000, 1000)}
        if v >= 2 and v != 4:
            it["qty"] = r.choice([2**33 + j, it["qty"]])
        xi = dict(it)
        if v >= 2:
            price = None if j % 2 else 9.75 + j
            xi["price"] = price
            if fmt == "protobuf":
                if price is not None:
                    it["price"] = {"value": price}
            elif price is not None or fmt == "avro":
                it["price"] = price
        items.append(it)
        xitems.append(xi)
    val["items"], x["items"] = items, xitems
    if v >= 2:
        val["note"] = x["note"] = "note %d ✓" % k
    if v >= 3:
        val["tags"] = x["tags"] = ["t%d" % i for i in range(k % 4)]
        extra = None if k % 5 == 0 else {"e%d" % i: -i * 2**35 for i in range(k % 3)}
        if extra is None and fmt != "avro":
            extra = {}   # Protobuf and JSON: an absent map is empty / null below
        if fmt == "json" and k % 5 == 0:
            del val["tags"]
            x["tags"] = None
            x["extra"] = None
        else:
            val["extra"] = x["extra"] = extra
    return val, x


def resolved(fmt, part, x):
    """a v1 record written after v3 is the latest: Avro resolves it into v3,
    whose reader defaults fill the fields v1 lacks (tags: [])"""
    if fmt == "avro" and part == "v1b":
        x["tags"] = []
    return x


PARTS = {"v1": (1, 0, 40), "v2": (2, 100, 40), "v3": (3, 200, 40), "v1b": (1, 300, 20), "v4": (4, 400, 5)}


def gen(fmt, out):
    ext = {"avro": "avsc", "protobuf": "proto", "json": "json"}[fmt]
    sch = {"avro": avro_schema, "protobuf": proto_schema, "json": json_schema}[fmt]
    for v in (1, 2, 3, 4):
        open("%s/schema.v%d.%s" % (out, v, ext), "w").write(sch(v))
    for v in (1, 2, 3):
        json.dump(cols(fmt, v), open("%s/cols.v%d.json" % (out, v), "w"))
    for part, (v, k0, n) in PARTS.items():
        r = random.Random(len(fmt) * 1000 + k0)
        with open("%s/rec.%s.jsonl" % (out, part), "w") as fr, \
                open("%s/canon.%s.jsonl" % (out, part), "w") as fc:
            for k in range(k0, k0 + n):
                val, x = record(fmt, v, k, r)
                fr.write(json.dumps(val, ensure_ascii=False) + "\n")
                fc.write(json.dumps(resolved(fmt, part, x)) + "\n")


def mix(out):
    lines = lambda f: open("%s/%s" % (out, f)).read().split("\n")[:-1]  # noqa: E731
    a, b = lines("v3.hex"), lines("v1b.hex")
    ca, cb = lines("canon.v3.jsonl"), lines("canon.v1b.jsonl")
    h, c = [], []
    for i in range(max(len(a), len(b))):
        for src, cs in ((a, ca), (b, cb)):
            if i < len(src):
                h.append(src[i])
                c.append(cs[i])
    open("%s/mix.hex" % out, "w").write("\n".join(h) + "\n")
    open("%s/canon.mix.jsonl" % out, "w").write("\n".join(c) + "\n")


def main():
    if sys.argv[1] == "gen":
        gen(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "mix":
        mix(sys.argv[2])
    else:
        out, v, dest = sys.argv[2], sys.argv[3], sys.argv[4]
        rows = [json.loads(line) for p in sys.argv[5:] for line in open("%s/canon.%s.jsonl" % (out, p))]
        json.dump({"cols": json.load(open("%s/cols.v%s.json" % (out, v))), "rows": rows}, open(dest, "w"))


if __name__ == "__main__":
    main()
