#!/usr/bin/python3
"""gen_orders.py OUT_DIR POOL VERSIONS: POOL distinct order records, each in
three forms of the same logical value, for bench/run_formats.sh:
  OUT_DIR/json.jsonl          JSON as a producer writes it (mapping columns)
  OUT_DIR/avro-vK.jsonl       avsc's form for sr-produce --type AVRO
  OUT_DIR/proto-vK.jsonl      protobufjs' form for sr-produce --type PROTOBUF
Record i is written with schema version K = 1 + i * VERSIONS // POOL (the
pool is cut in VERSIONS consecutive slices), so the values carry VERSIONS
distinct schema ids; version 2 adds `channel`, version 3 `coupon` (both
optional), and a record of version K has exactly version K's fields.
The schemas: OUT_DIR/order-vK.avsc and order-vK.proto (from order.avsc and
order.proto here, version 3). Deterministic (fixed seed). The amount is a
JSON number, Avro decimal bytes (the unscaled value) and a Protobuf string
(Protobuf has no decimal); the date is "YYYY-MM-DD", an Avro date and a
Protobuf int32 of days. protobufjs takes camelCase keys only (orderId):
snake_case keys are dropped without a word."""
import base64
import datetime
import json
import random
import sys

out, pool, versions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if not 1 <= versions <= 3:
    sys.exit("gen_orders.py: VERSIONS is 1..3")
rnd = random.Random(18)
STATUS = ["NEW", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"]
CITIES = ["Berlin", "Lisbon", "Osaka", "Austin", "Nairobi", "Lyon", "Porto", "Quito"]
COUNTRIES = ["DE", "PT", "JP", "US", "KE", "FR", "PT", "EC"]
CHANNELS = ["web", "app", "store", "phone"]
ATTR_KEYS = ["gift", "priority", "source", "promo", "warehouse", "lang"]
WORDS = ["red", "blue", "fast", "north", "prime", "eco", "max", "mini", "pro", "lite"]
T0_MS = 1796000000000  # 2026-11-30
DAY_MS = 86400000


def unscaled_bytes(v):
    """Minimal big-endian two's complement of v."""
    n = max(1, (v.bit_length() + 8) // 8)
    return v.to_bytes(n, "big", signed=True)


def record(i):
    ts_ms = T0_MS + rnd.randrange(0, 7 * DAY_MS)
    n_items = rnd.randint(1, 5)
    items = [{"sku": "SKU-%06d" % rnd.randrange(1000000), "qty": rnd.randint(1, 9),
              "price": round(rnd.uniform(0.5, 500.0), 2)} for _ in range(n_items)]
    cents = sum(int(round(it["price"] * 100)) * it["qty"] for it in items)
    c = rnd.randrange(len(CITIES))
    cust_id = 5000000000 + rnd.randrange(10000000)
    attrs = {k: rnd.choice(WORDS) for k in rnd.sample(ATTR_KEYS, rnd.randint(0, 4))}
    return {
        "order_id": 900000000000 + i,
        "qty": sum(it["qty"] for it in items),
        "price": round(cents / 100.0 / max(1, n_items), 4),
        "cents": cents,
        "ts_ms": ts_ms,
        "days": ts_ms // DAY_MS,
        "status": rnd.randrange(len(STATUS)),
        "customer": {
            "id": cust_id,
            "name": "%s %s" % (rnd.choice(WORDS).title(), rnd.choice(WORDS).title()),
            "email": "c%d@example.com" % cust_id,
            "address": {"street": "%d %s Street" % (rnd.randint(1, 999), rnd.choice(WORDS).title()),
                        "city": CITIES[c], "zip": "%05d" % rnd.randrange(100000),
                        "country": COUNTRIES[c]},
        },
        "items": items,
        "attributes": attrs,
        "note": ("leave at door %d" % rnd.randrange(100)) if rnd.random() < 0.5 else None,
        "channel": rnd.choice(CHANNELS),
        "coupon": ("C%04d" % rnd.randrange(10000)) if rnd.random() < 0.3 else None,
    }


def date_text(days):
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=days)).isoformat()


def as_json(r, v):
    o = {"order_id": r["order_id"], "qty": r["qty"], "price": r["price"],
         "amount": r["cents"] / 100, "created_at": r["ts_ms"],
         "order_date": date_text(r["days"]), "status": STATUS[r["status"]],
         "customer": r["customer"], "items": r["items"], "attributes": r["attributes"],
         "note": r["note"]}
    if v >= 2:
        o["channel"] = r["channel"]
    if v >= 3:
        o["coupon"] = r["coupon"]
    return o


def as_avro(r, v):
    o = {"order_id": r["order_id"], "qty": r["qty"], "price": r["price"],
         "amount": {"$bytes": base64.b64encode(unscaled_bytes(r["cents"])).decode()},
         "created_at": r["ts_ms"] * 1000, "order_date": r["days"],
         "status": STATUS[r["status"]], "customer": r["customer"], "items": r["items"],
         "attributes": r["attributes"], "note": r["note"]}
    if v >= 2:
        o["channel"] = r["channel"]
    if v >= 3:
        o["coupon"] = r["coupon"]
    return o


def as_proto(r, v):
    o = {"orderId": r["order_id"], "qty": r["qty"], "price": r["price"],
         "amount": "%d.%02d" % divmod(r["cents"], 100),
         "createdAt": {"seconds": r["ts_ms"] // 1000, "nanos": (r["ts_ms"] % 1000) * 1000000},
         "orderDate": r["days"], "status": r["status"], "customer": r["customer"],
         "items": r["items"], "attributes": r["attributes"]}
    if r["note"] is not None:
        o["note"] = r["note"]
    if v >= 2:
        o["channel"] = r["channel"]
    if v >= 3 and r["coupon"] is not None:
        o["coupon"] = r["coupon"]
    return o


files = {"json": open("%s/json.jsonl" % out, "w")}
for v in range(1, versions + 1):
    files["avro", v] = open("%s/avro-v%d.jsonl" % (out, v), "w")
    files["proto", v] = open("%s/proto-v%d.jsonl" % (out, v), "w")
for i in range(pool):
    v = 1 + i * versions // pool
    r = record(i)
    files["json"].write(json.dumps(as_json(r, v), separators=(",", ":")) + "\n")
    files["avro", v].write(json.dumps(as_avro(r, v), separators=(",", ":")) + "\n")
    files["proto", v].write(json.dumps(as_proto(r, v), separators=(",", ":")) + "\n")
for f in files.values():
    f.close()

# The schema versions: version K drops the fields added after it.
here = sys.path[0]
LATER = {1: ("channel", "coupon"), 2: ("coupon",), 3: ()}
avsc = json.load(open(here + "/order.avsc"))
proto = open(here + "/order.proto").read().splitlines()
for v in range(1, versions + 1):
    s = dict(avsc, fields=[f for f in avsc["fields"] if f["name"] not in LATER[v]])
    open("%s/order-v%d.avsc" % (out, v), "w").write(json.dumps(s, indent=1) + "\n")
    lines = [l for l in proto if not any(" %s = " % n in l for n in LATER[v])]
    open("%s/order-v%d.proto" % (out, v), "w").write("\n".join(lines) + "\n")
