#!/usr/bin/env bash
# Parquet reader against our writer's files: tests/parquet/pq_gen writes
# files (every type with nulls, NaN and extremes, nested structs, lists and
# maps, then random schemas with random writer options: codec, dictionary,
# page version, page and row group sizes) and, beside each, the rows it
# wrote, made from its own value trees. tests/parquet/pq_read reads each
# file with icp_parquet_reader; every row must equal the generator's.
# Usage: tests/parquet/it_reader_gen.sh PATH/TO/iceberg-processor
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:?usage: it_reader_gen.sh PATH/TO/iceberg-processor}
gen="$(dirname "$bin")/pq_gen"
rd="$(dirname "$bin")/pq_read"
[ -x "$gen" ] && [ -x "$rd" ] || { echo "it_reader_gen: pq_gen / pq_read not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$gen" "$tmp" types_zstd types 31 rows=2000
"$gen" "$tmp" types_v2_snappy types 32 rows=2000 v2=1 codec=snappy
"$gen" "$tmp" types_nodict_gzip types 33 rows=2000 dict=0 codec=gzip
"$gen" "$tmp" types_small_pages types 34 rows=5000 rg=32768 page=2048 page_rows=300 codec=lz4_raw
"$gen" "$tmp" nested nested 35 rows=2000
"$gen" "$tmp" nested_small_pages nested 36 rows=2000 page=512 page_rows=7 rg=8192 v2=1
"$gen" "$tmp" nested_nodict nested 37 rows=1000 dict=0 codec=none
"$gen" "$tmp" no_rows types 38 rows=0
for s in $(seq 1 "${PQ_SEEDS:-150}"); do
  "$gen" "$tmp" "random_$s" random "$((s + 1000))"
done
for j in "$tmp"/*.json; do
  "$rd" "${j%.json}.parquet" > "${j%.json}.rows"
done
/usr/bin/python3 - "$tmp" <<'PY'
import glob, json, sys

INTS = {"int", "long", "date", "time", "timestamp", "timestamptz"}

def norm(f, v):
    """pq_read's form -> pq_gen's canonical form"""
    if v is None:
        return None
    k = f["kind"]
    if k in INTS:
        return str(v)
    if k == "decimal":
        return str(int(v.replace(".", "")))
    if k in ("float", "double"):
        return v
    if k == "struct":
        return {c["name"]: norm(c, v[c["name"]]) for c in f["children"]}
    if k == "list":
        return [norm(f["children"][0], e) for e in v]
    if k == "map":
        return [[norm(f["children"][0], e["key"]), norm(f["children"][1], e["value"])] for e in v]
    return v

def same(f, a, b):
    if f["kind"] in ("float", "double") and isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(next(c for c in f["children"] if c["name"] == k), a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        if f["kind"] == "map":
            return all(same(f["children"][0], x[0], y[0]) and same(f["children"][1], x[1], y[1]) for x, y in zip(a, b))
        return all(same(f["children"][0], x, y) for x, y in zip(a, b))
    return a == b

bad = files = 0
for j in sorted(glob.glob(sys.argv[1] + "/*.json")):
    want = json.load(open(j))
    got = [json.loads(l) for l in open(j[:-5] + ".rows")]
    files += 1
    errs = []
    if len(got) != len(want["rows"]):
        errs.append(f"{len(got)} rows read, {len(want['rows'])} written")
    for i, (w, g) in enumerate(zip(want["rows"], got)):
        for f in want["schema"]:
            gv = norm(f, g.get(f["name"]))
            if not same(f, w[f["name"]], gv):
                errs.append(f"row {i} field {f['name']}: wrote {json.dumps(w[f['name']])[:300]}, "
                            f"read {json.dumps(gv)[:300]}")
    if errs:
        bad += 1
        print(f"{want['file']} ({json.dumps(want['options'])}):")
        for e in errs[:5]:
            print("  " + e)
print(f"it_reader_gen: {files - bad} of {files} files read back equal")
sys.exit(1 if bad else 0)
PY
