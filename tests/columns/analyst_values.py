#!/usr/bin/env python3
"""Record values for the decimal/timestamptz/uuid/time part of
tests/columns/it_typed.sh, and what DuckDB must read back.

values.jsonl: line i is the value of offset i. expected.json: one row per
offset, [amt, big, tz, u, t, ts] as the check's query prints them
(decimals and times as DuckDB's text, instants as epoch microseconds in
text). Written out by hand from docs/internals/columns.md (HALF_UP
rounding, offsets applied, fractions floored to micros); the instants
were computed with Python's datetime, not with the code under test.
"""
import json, sys

out = sys.argv[1]
values = [
    # 0: ordinary values; ts is epoch seconds (format: epoch_s) with a fraction
    '{"amt":12345678.91,"big":"12345678901234567890.1234","tz":"2024-02-29T12:00:00+14:00",'
    '"u":"123e4567-e89b-12d3-a456-426614174000","t":"12:34:56.123456","ts":1700000000.5}',
    # 1: HALF_UP away from zero, exponent, 9 fraction digits before 1970, upper-case uuid
    '{"amt":-0.005,"big":-1e-4,"tz":"1969-07-20T20:17:40.123456789-05:00",'
    '"u":"FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF","t":"00:00:00","ts":"1900-01-01T00:00:00Z"}',
    # 2: 0.1 exactly, 36 digits, bad uuid -> null, last micro of the day, negative epoch
    '{"amt":0.1,"big":99999999999999999999999999999999.9999,"tz":"2000-01-01T00:00:00Z",'
    '"u":"bad","t":"23:59:59.999999","ts":-1.5}',
    # 3: amt beyond 8 integer digits -> null; numeric string; tz epoch millis (default)
    '{"amt":123456789.1,"big":"1.5e2","tz":1700000000123,"u":null,"t":"24:00:00","ts":0}',
    # 4: numeric string rounded; big rounds up to 35 integer digits -> null;
    # -12:00 on a leap day
    '{"amt":"3.145","big":"-' + "9" * 34 + '.99995","tz":'
    '"2024-02-29T12:00:00-12:00","t":"12:00:00.5","ts":1e3}',
]
expected = [
    ["12345678.91", "12345678901234567890.1234", "1709157600000000",
     "123e4567-e89b-12d3-a456-426614174000", "12:34:56.123456", "1700000000500000"],
    ["-0.01", "-0.0001", "-14164939876544",
     "ffffffff-ffff-ffff-ffff-ffffffffffff", "00:00:00", "-2208988800000000"],
    ["0.10", "99999999999999999999999999999999.9999", "946684800000000",
     None, "23:59:59.999999", "-1500000"],
    [None, "150.0000", "1700000000123000", None, None, "0"],
    ["3.15", None, "1709251200000000", None, "12:00:00.5", "1000000000"],
]
with open(out + "/values.jsonl", "w") as f:
    f.write("".join(v + "\n" for v in values))
json.dump(expected, open(out + "/expected.json", "w"))
