"""Checks an expiry, for tests/maint/it_expire*.sh.

    check_expiry.py BEFORE.json AFTER.json RESULT.json WAREHOUSE_DIR EXPIRED KEPT [DRY.json]

BEFORE/AFTER: reach.py of the table before and after; RESULT: expire_tool's
line. Every file a kept snapshot reaches exists; every file only expired
snapshots reached is gone, and the counts and bytes say so; the current
snapshot and its kafscale.offsets are unchanged; no Parquet file outside
the kept snapshots stays in the warehouse. A dry run counted the same.
"""
import json, os, sys

before, after, res = (json.load(open(p)) for p in sys.argv[1:4])
wh, n_expired, n_kept = sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
dry = json.load(open(sys.argv[7])) if len(sys.argv) > 7 else None
assert len(after["snapshots"]) == n_kept, len(after["snapshots"])
assert len(before["snapshots"]) == n_expired + n_kept, len(before["snapshots"])
assert after["current"] == before["current"], "the current snapshot changed"
assert after["offsets"] and after["offsets"] == before["offsets"], "kafscale.offsets lost"
kept = set(f for fs in after["snapshots"].values() for f in fs)
allf = set(f for fs in before["snapshots"].values() for f in fs)
gone = allf - kept
missing = [f for f in kept if not os.path.exists(f)]
assert not missing, "kept files deleted: %s" % missing[:3]
left = [f for f in gone if os.path.exists(f)]
assert not left, "unreachable files left: %s" % left[:3]
lists = [f for f in gone if os.path.basename(f).startswith("snap-")]
data = [f for f in gone if f.endswith(".parquet")]
mans = [f for f in gone if f not in lists and f not in data]
assert res["expired"] == n_expired and res["kept"] == n_kept, res
assert (res["lists"], res["manifests"], res["data"]) == (len(lists), len(mans), len(data)), \
    (res, len(lists), len(mans), len(data))
# fast appends carry every manifest over: in an append-only table only the
# expired snapshots' manifest lists become unreachable (manifests and data
# files going: tests/maint/test_expire.c, with a rewrite)
assert res["lists"] == n_expired and res["manifests"] == res["data"] == 0, res
assert res["bytes"] == sum(before["sizes"][f] for f in gone) > 0, (res, gone)
assert res["failures"] == 0, res
if dry:
    for k in ("expired", "lists", "manifests", "data", "bytes"):
        assert dry[k] == res[k], (k, dry, res)
# nothing unreferenced stays in data/
on_disk = set(os.path.join(dp, f) for dp, _, fs in os.walk(wh) for f in fs if f.endswith(".parquet"))
want = set(f for f in kept if f.endswith(".parquet"))
assert on_disk == want, on_disk ^ want
print("expiry: %d snapshots expired, %d lists, %d manifests, %d data files, %d bytes freed" %
      (n_expired, res["lists"], res["manifests"], res["data"], res["bytes"]))
