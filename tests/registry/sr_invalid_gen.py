#!/usr/bin/python3
"""Invalid Confluent-framed values among valid ones, and the checks of
it_sr_invalid.sh.

  sr_invalid_gen.py values FMT VALID.hex ID OUT.hex CASES.json
      FMT avro | protobuf | json; VALID.hex: sr-produce's values of the
      records {"id": k, "name": ...} (schema id ID). OUT.hex: the valid
      values with a tombstone and the invalid ones mixed in (record i =
      line i); CASES.json: per offset null (valid) or [stage, reason,
      path, schema_id] of the invalid value.
  sr_invalid_gen.py check POLICY CASES.json MAIN.json DLQ.json
      DuckDB rows of the data table ([partition, offset, value_b64]) and of
      the dead-letter table ([.., error_stage, error_reason, error_path,
      schema_id]) as the policy wants them: drop: the valid records only;
      dead_letter: the invalid ones in the dead-letter table, exactly
      (raw value, stage, reason code first, path, schema id); stop: only
      the valid records before the first invalid one.
  sr_invalid_gen.py log CASES.json LOG TOPIC
      drop: one "invalid record dropped" line per invalid record, naming
      topic, partition 0, offset, stage and code.
  sr_invalid_gen.py first CASES.json   -> offset of the first invalid value
"""
import base64
import json
import re
import sys

UNKNOWN = 9999


def frame(sid, body):
    return b"\x00" + sid.to_bytes(4, "big") + body


def invalid_values(fmt, v, sid):
    """-> [(value, [stage, reason, path, schema_id])] built from a valid value v"""
    out = [(b"\x01" + v[1:], ["prefix", "wrong_magic", None, None]),
           (b"\x00\x00\x00", ["prefix", "truncated", None, None]),
           (b"\x07", ["prefix", "wrong_magic", None, None]),
           (frame(UNKNOWN, v[5:]), ["schema", "unknown_schema_id", None, UNKNOWN])]
    if fmt == "avro":
        # id 1 (zigzag 02), then name: a length past the end / a negative one
        out += [(v[:-2], ["decode", "corrupt", "name", sid]),
                (frame(sid, b"\x02\x01"), ["decode", "corrupt", "name", sid])]
    elif fmt == "protobuf":
        # after the index byte 0: name cut short; id (varint) sent as LEN
        out += [(v[:-2], ["decode", "corrupt", "name", sid]),
                (frame(sid, b"\x00\x0a\x01a"), ["decode", "corrupt", "id", sid]),
                (frame(sid, b"\x02\x0a" + v[6:]), ["schema", "bad_message_index", None, sid]),
                # message [1] (iv.Other) of the file, not the table's iv.R
                (frame(sid, b"\x02\x02\x0a\x01z"), ["schema", "other_message", None, sid])]
    else:
        out += [(frame(sid, b'{"id": 1, "name": '), ["decode", "corrupt", None, sid]),
                (frame(sid, b'{"id": "abc", "name": "x"}'), ["validate", "schema_violation", "/id", sid])]
    return out


def values(fmt, valid_hex, sid, out_hex, cases_json):
    valid = [bytes.fromhex(x) for x in open(valid_hex).read().split()]
    bad = invalid_values(fmt, valid[1], sid)
    seq, cases = [], []
    # 3 valid, a tombstone (valid), invalid, valid, invalid, ...
    vi = 0
    for i, (b, why) in enumerate(bad):
        for _ in range(3 if i == 0 else 1):
            seq.append(valid[vi].hex())
            cases.append(None)
            vi += 1
        seq.append(b.hex())
        cases.append(why)
    seq.insert(3, "")
    cases.insert(3, None)
    for x in valid[vi:]:
        seq.append(x.hex())
        cases.append(None)
    open(out_hex, "w").write("\n".join(seq) + "\n")
    json.dump({"values": seq, "cases": cases}, open(cases_json, "w"))


def b64(h):
    return base64.b64encode(bytes.fromhex(h)).decode() if h else None


def check(policy, cases_json, main_json, dlq_json):
    c = json.load(open(cases_json))
    seq, cases = c["values"], c["cases"]
    main = json.load(open(main_json))
    dlq = json.load(open(dlq_json)) if dlq_json != "-" else []
    first = min(i for i, w in enumerate(cases) if w)
    if policy == "stop":
        want = [(0, i, b64(seq[i])) for i in range(first)]
    else:
        want = [(0, i, b64(seq[i])) for i, w in enumerate(cases) if w is None]
    got = sorted(tuple(r) for r in main)
    assert got == want, ("data table", policy, sorted(set(got) ^ set(want))[:6], len(got), len(want))
    if policy != "dead_letter":
        assert dlq == [], ("dead-letter rows with policy " + policy, dlq[:3])
        print("%s: data table exact (%d rows)" % (policy, len(got)))
        return
    wantd = {i: w for i, w in enumerate(cases) if w}
    gotd = {}
    for p, off, v, stage, reason, path, sid in dlq:
        assert p == 0 and off not in gotd, ("dead-letter row", p, off)
        gotd[off] = (v, stage, reason, path, sid)
    assert sorted(gotd) == sorted(wantd), ("dead-letter offsets", sorted(gotd), sorted(wantd))
    for off, (v, stage, reason, path, sid) in sorted(gotd.items()):
        ws, wr, wp, wid = wantd[off]
        assert v == b64(seq[off]), ("raw value", off, v, seq[off])
        assert stage == ws and reason and reason.split(":")[0] == wr, ("stage/reason", off, stage, reason, ws, wr)
        assert path == wp, ("error_path", off, path, wp, reason)
        assert sid == wid, ("schema_id", off, sid, wid)
    print("dead_letter: %d rows, %d dead letters exact" % (len(got), len(gotd)))


def log(cases_json, log_file, topic):
    cases = json.load(open(cases_json))["cases"]
    want = sorted((i, w[0], w[1]) for i, w in enumerate(cases) if w)
    got = []
    for line in open(log_file):
        if "invalid record dropped" not in line or ("topic=%s " % topic) not in line:
            continue
        f = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line))
        assert f["partition"] == "0", line
        got.append((int(f["offset"]), f["stage"], f["code"]))
    assert sorted(got) == want, ("dropped lines", topic, sorted(got), want)
    print("%s: %d dropped records logged" % (topic, len(got)))


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "values":
        values(a[2], a[3], int(a[4]), a[5], a[6])
    elif a[1] == "check":
        check(a[2], a[3], a[4], a[5])
    elif a[1] == "log":
        log(a[2], a[3], a[4])
    else:
        cases = json.load(open(a[2]))["cases"]
        print(min(i for i, w in enumerate(cases) if w))
