#!/usr/bin/python3
"""Reads back a registry-sourced table against a generator's expectations
(sr_types_gen.py, sr_evolve_gen.py).

  sr_check.py sql EXPECTED.json FILES     -> the DuckDB query (stdout)
  sr_check.py rows EXPECTED.json DUCK.json [FIRST_OFFSET]
      DUCK.json: the query's rows; row i of EXPECTED is offset
      FIRST_OFFSET + i (partition 0). Asserts every value, field by field.
  sr_check.py schema EXPECTED.json METADATA.json
      the current schema: the 8 base columns, then exactly the expected
      columns with the expected types, every registry column (and nested
      field, list element, map value) optional.

Query values: top-level decimals CAST AS VARCHAR, timestamps epoch_us,
dates as days, times as micros, binary/fixed as hex, longs as text;
nested values as DuckDB's to_json (session time zone UTC: TZ=UTC),
parsed here by the column's type."""
import datetime
import json
import re
import sys
from decimal import Decimal

EPOCH = datetime.datetime(1970, 1, 1)


def q(name):
    return '"' + name.replace('"', '""') + '"'


def top_sql(name, t):
    c = q(name)
    if isinstance(t, dict):
        return "CAST(to_json(%s) AS VARCHAR)" % c
    if t.startswith("decimal") or t in ("long", "uuid"):
        return "CAST(%s AS VARCHAR)" % c
    if t in ("timestamp", "timestamptz"):
        return "epoch_us(%s)" % c
    if t == "date":
        return "CAST(%s - DATE '1970-01-01' AS BIGINT)" % c
    if t == "time":
        return "datediff('microsecond', TIME '00:00:00', %s)" % c
    if t == "binary" or t.startswith("fixed"):
        return "lower(hex(%s))" % c
    return c


TS = re.compile(r"^(-?\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?(\+00)?$")


def micros_of(text, t):
    m = TS.match(text)
    assert m, ("timestamp text", text)
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or ".0"
    us = int((frac[1:] + "000000")[:6])
    assert (m.group(8) is not None) == (t == "timestamptz"), ("zone", text, t)
    dt = datetime.datetime(y, mo, d, h, mi, s)
    delta = dt - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000000 + us


def norm_nested(v, t, path):
    """DuckDB to_json value (parsed with Decimal floats) -> canonical"""
    if v is None:
        return None
    if isinstance(t, dict):
        k = t["type"]
        if k == "struct":
            assert isinstance(v, dict), (path, v)
            names = [f["name"] for f in t["fields"]]
            assert sorted(v) == sorted(names), (path, sorted(v), names)
            return {f["name"]: norm_nested(v[f["name"]], f["type"], path + "." + f["name"])
                    for f in t["fields"]}
        if k == "list":
            assert isinstance(v, list), (path, v)
            return [norm_nested(x, t["element"], path + "[]") for x in v]
        if k == "map":
            assert isinstance(v, dict), (path, v)
            return {key: norm_nested(x, t["value"], path + "{}") for key, x in v.items()}
    if t in ("int", "long"):
        assert isinstance(v, int) and not isinstance(v, bool), (path, v)
        return v
    if t in ("float", "double"):
        return float(v)
    if t.startswith("decimal"):
        return Decimal(v) if not isinstance(v, Decimal) else v
    if t in ("timestamp", "timestamptz"):
        return micros_of(v, t)
    if t == "date":
        return (datetime.date.fromisoformat(v) - EPOCH.date()).days
    if t == "time":
        h, mi, s = v.split(":")
        return (int(h) * 3600 + int(mi) * 60) * 1000000 + round(Decimal(s) * 1000000)
    return v


def canon_expected(v, t):
    """expectation -> the form norm_nested gives (decimals as Decimal)"""
    if v is None:
        return None
    if isinstance(t, dict):
        k = t["type"]
        if k == "struct":
            return {f["name"]: canon_expected(v.get(f["name"]), f["type"]) for f in t["fields"]}
        if k == "list":
            return [canon_expected(x, t["element"]) for x in v]
        if k == "map":
            return {str(key): canon_expected(x, t["value"]) for key, x in v.items()}
    if t.startswith("decimal"):
        return Decimal(v)
    if t in ("float", "double"):
        return float(v)
    return v


def top_norm(v, t):
    if v is None:
        return None
    if isinstance(t, dict):
        return norm_nested(json.loads(v, parse_float=Decimal), t, "")
    if t == "long":
        return int(v)
    if t in ("float", "double"):
        return float(v)
    if t in ("timestamp", "timestamptz", "date", "time", "int"):
        return int(v)
    return v


def top_expected(v, t):
    if isinstance(t, dict) or v is None:
        return canon_expected(v, t)
    if t in ("float", "double"):
        return float(v)
    return v


def render(t):
    if isinstance(t, str):
        return t.replace(" ", "")   # decimal(P,S) and decimal(P, S) alike
    k = t["type"]
    if k == "struct":
        return "struct<" + ",".join(f["name"] + ":" + render(f["type"]) for f in t["fields"]) + ">"
    if k == "list":
        return "list<" + render(t["element"]) + ">"
    return "map<" + render(t["key"]) + "," + render(t["value"]) + ">"


def all_optional(t, path, bad):
    if isinstance(t, str):
        return
    k = t["type"]
    if k == "struct":
        for f in t["fields"]:
            if f.get("required"):
                bad.append(path + "." + f["name"])
            all_optional(f["type"], path + "." + f["name"], bad)
    elif k == "list":
        if t.get("element-required"):
            bad.append(path + ".element")
        all_optional(t["element"], path + ".element", bad)
    elif k == "map":
        if t.get("value-required"):
            bad.append(path + ".value")
        all_optional(t["value"], path + ".value", bad)


def main():
    mode, exp = sys.argv[1], json.load(open(sys.argv[2]))
    cols = exp["cols"]
    if mode == "sql":
        sel = ", ".join(top_sql(n, t) for n, t in cols)
        print('SELECT "partition", "offset", %s FROM read_parquet([%s], union_by_name=true) '
              'ORDER BY "partition", "offset"' % (sel, sys.argv[3]))
        return
    if mode == "schema":
        m = json.load(open(sys.argv[3]))
        s = [x for x in m["schemas"] if x["schema-id"] == m["current-schema-id"]][0]
        base = [f["name"] for f in s["fields"][:8]]
        assert base == ["record_id", "topic", "partition", "offset", "timestamp_ms", "key",
                        "value", "headers"], base
        got = [(f["name"], render(f["type"])) for f in s["fields"][8:]]
        want = [(n, render(t)) for n, t in cols]
        assert got == want, ("columns", [(a, b) for a, b in zip(got, want) if a != b] or (got, want))
        bad = [f["name"] for f in s["fields"][8:] if f["required"]]
        for f in s["fields"][8:]:
            all_optional(f["type"], f["name"], bad)
        assert not bad, ("required registry fields", bad)
        print("schema ok: %d registry columns" % len(cols))
        return
    rows = json.load(open(sys.argv[3]))
    first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    want = exp["rows"]
    assert len(rows) == len(want), ("row count", len(rows), len(want))
    errors = []
    for i, (row, w) in enumerate(zip(rows, want)):
        assert row[0] == 0 and row[1] == first + i, ("offsets", i, row[:2])
        for (name, t), got in zip(cols, row[2:]):
            g, e = top_norm(got, t), top_expected(w.get(name), t)
            if g != e:
                errors.append((row[1], name, g, e))
    for off, name, g, e in errors[:8]:
        print("offset %d column %s: got %r want %r" % (off, name, g, e))
    assert not errors, "%d values differ" % len(errors)
    print("values ok: %d rows x %d columns" % (len(rows), len(cols)))


if __name__ == "__main__":
    main()
