#!/usr/bin/env python3
"""Record values for tests/columns/it_typed.sh, and what each must read back as.

values.jsonl: line i is the value of offset i (icp-seggen --value-json).
expected.json: {offset: {column: value as tools/columns-check.mjs prints it}},
offsets of records that must be dropped (a required column missing) absent.
Expectations are written out by hand from the coercion table
(docs/internals/columns.md), not computed by code under test.
"""
import json, sys

out = sys.argv[1]
values = [
    # 0: every type, edge values
    '{"id":9223372036854775807,"qty":2147483647,"price":1e308,"ok":true,'
    '"name":"h\\u00e9llo \\ud83d\\ude00 \u4e16","blob":"AP8=",'
    '"ts":"2023-11-15T00:13:20.123456789+02:00","day":"2000-03-01",'
    '"addr":{"city":"Z\u00fcrich","zip":8001,"geo":[47.37,8.54]},"tags":["a","b"],'
    '"attrs":{"x":1,"y":-9223372036854775808},'
    '"items":[{"sku":"s1","n":2},{"sku":null,"n":null}],"extra":"e0"}',
    # 1: other accepted forms: epoch millis, date in its own offset, plain bytes
    '{"id":-9223372036854775808,"qty":-5,"price":-0.1,"ok":false,"name":"",'
    '"blob":"not base64!","ts":1700000000123,"day":"2000-03-01T23:30:00-05:00",'
    '"addr":{"city":null,"geo":[null,1.5]},"tags":[null,"c"],"attrs":{"n":null},'
    '"items":[],"extra":"e1"}',
    # 2: wrong kinds -> null (counted), empty containers
    '{"id":9007199254740993,"qty":3000000000,"price":"NaN","ok":"true","name":5,'
    '"blob":7,"ts":"2023-11-14T22:13:20","day":"2023-02-29","addr":null,"tags":[],'
    '"attrs":{},"items":[{"sku":1,"n":"x"}]}',
    # 3: required id missing -> dropped
    '{"qty":1}',
    # 4: id 2^63 does not fit a long -> null -> required -> dropped
    '{"id":9223372036854775808}',
    # 5: not an object -> no id -> dropped
    '[1,2,3]',
    # 6: only the required column
    '{"id":7,"ts":"1969-12-31T23:59:59.999999Z"}',
]
with open(f"{out}/values.jsonl", "w") as f:
    for v in values:
        assert "\n" not in v
        f.write(v + "\n")

N = None
expected = {
    0: {"id": "9223372036854775807", "qty": 2147483647, "price": 1e308, "ok": True,
        "name": "h\u00e9llo \U0001F600 \u4e16", "blob": "00FF", "ts": "1700000000123456",
        "day": 11017,
        "addr": {"city": "Z\u00fcrich", "zip": 8001, "geo": [47.37, 8.54]},
        "tags": ["a", "b"], "attrs": {"x": "1", "y": "-9223372036854775808"},
        "items": [{"sku": "s1", "n": 2}, {"sku": N, "n": N}]},
    1: {"id": "-9223372036854775808", "qty": -5, "price": -0.1, "ok": False, "name": "",
        "blob": "6E6F7420626173653634 21".replace(" ", ""), "ts": "1700000000123000",
        "day": 11017,
        "addr": {"city": N, "zip": N, "geo": [N, 1.5]},
        "tags": [N, "c"], "attrs": {"n": N}, "items": []},
    2: {"id": "9007199254740993", "qty": N, "price": N, "ok": N, "name": N, "blob": N,
        "ts": N, "day": N, "addr": N, "tags": [], "attrs": {},
        "items": [{"sku": N, "n": N}]},
    6: {"id": "7", "qty": N, "price": N, "ok": N, "name": N, "blob": N,
        "ts": "-1", "day": N, "addr": N, "tags": N, "attrs": N, "items": N},
}
with open(f"{out}/expected.json", "w") as f:
    json.dump({"values": len(values), "rows": expected}, f)
# after the evolution of run 2: qty widened to long (3000000000 now fits),
# and the new column `extra`
import copy
e2 = copy.deepcopy(expected)
e2[2]["qty"] = 3000000000
for k, v in e2.items():
    v["extra"] = {0: "e0", 1: "e1"}.get(k)
with open(f"{out}/expected2.json", "w") as f:
    json.dump({"values": len(values), "rows": e2}, f)
