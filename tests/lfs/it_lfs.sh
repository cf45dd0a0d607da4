#!/usr/bin/env bash
# LFS envelopes end to end, every mode: off, resolve, reference, skip,
# hybrid (max_inline_size 4096), checksums sha256/md5/crc32, a tampered
# blob, a missing blob and a malformed envelope. Each table must hold
# exactly the records the generator expects (icebird + DuckDB exact bytes)
# and every invalid record must be logged with its offset. Then strict
# mode: the partition stops exactly at the first invalid record, nothing
# at or past it is committed, exit 2.
source "$(dirname "$0")/../processor/lib.sh"
D=$WORK/lfs; mkdir -p "$D"
$PY "$ROOT/tests/lfs/gen_lfs.py" "$D"
# strict mode validates values against the registry: serve an
# accept-anything schema ({}); LFS blobs themselves are never validated
mkdir -p "$D/registry"; echo '{}' > "$D/registry/docs.json"
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$PY -m http.server "$PORT" --bind 127.0.0.1 --directory "$D/registry" > "$D/registry.log" 2>&1 &
REG=$!
trap 'kill $REG 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/docs.json" >/dev/null && break; sleep 0.1; done

lfs_config() { # DIR MODE SCHEMA_MODE
  cat > "$1/config.yaml" <<YAML
s3: {endpoint: file://$D/segments, bucket: bucket, namespace: prod}
iceberg:
  catalog: {type: sql, uri: sqlite://$1/catalog.db}
  warehouse: file://$1/warehouse
offsets: {backend: local, local_path: $1/offsets.json}
schema: {mode: $3, registry: {base_url: "http://127.0.0.1:$PORT"}}
log: {level: warn}
mappings:
  - topic: docs
    table: lfs.docs
    create_table_if_missing: true
    lfs: {mode: $2, max_inline_size: 4096, validate_checksum: true, resolve_concurrency: 3}
YAML
}

for mode in off resolve reference skip hybrid; do
  W=$D/run-$mode; mkdir -p "$W"
  lfs_config "$W" $mode off
  set +e; "$BIN" --once -config="$W/config.yaml" 2> "$W/log"; rc=$?; set -e
  [ $rc = 0 ] || { echo "mode $mode: exit $rc"; cat "$W/log"; exit 1; }
  cp "$D/expected-$mode.jsonl" "$W/expected-docs.jsonl"
  check_table "$W" docs lfs.docs > "$W/check" || { echo "mode $mode: table differs"; cat "$W/check"; exit 1; }
  want=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["invalid"])' "$D/counts-$mode.json")
  got=$(grep -c 'msg="invalid record dropped"' "$W/log" || true)
  [ "$got" = "$want" ] || { echo "mode $mode: $got invalid records logged, want $want"; cat "$W/log"; exit 1; }
  if [ "$want" != 0 ]; then
    grep 'msg="invalid record dropped"' "$W/log" | grep 'topic=docs partition=0 offset=' > /dev/null ||
      { echo "mode $mode: invalid-record log line lacks topic/partition/offset"; exit 1; }
  fi
  echo "mode $mode: $(wc -l < "$W/expected-docs.jsonl") records, $got invalid dropped"
done

# store_metadata: the lfs_* columns hold the envelope's fields for every
# envelope record, resolved (hybrid) or written as the value (off), and are
# null for plain values and malformed envelopes
for mode in hybrid off; do
W=$D/run-meta-$mode; mkdir -p "$W"
lfs_config "$W" $mode off
sed -i 's/resolve_concurrency: 3}/resolve_concurrency: 3, store_metadata: true}/' "$W/config.yaml"
"$BIN" --once -config="$W/config.yaml" 2> "$W/log" || { echo "store_metadata $mode: exit $?"; cat "$W/log"; exit 1; }
cp "$D/expected-$mode.jsonl" "$W/expected-docs.jsonl"
check_table "$W" docs lfs.docs > "$W/check" || { echo "store_metadata $mode: table differs"; cat "$W/check"; exit 1; }
node "$ROOT/tools/duckdb-query.mjs" "SELECT \"offset\", lfs_content_type, lfs_blob_size, lfs_checksum, lfs_checksum_alg, lfs_bucket, lfs_key FROM read_parquet('$W/warehouse/**/*.parquet') ORDER BY 1" > "$W/meta.json"
$PY - "$W/meta.json" "$D/segments/blobs" "$mode" <<'PY' || { echo "store_metadata $mode: lfs columns wrong"; exit 1; }
import json, sys, hashlib, os, zlib
rows = json.load(open(sys.argv[1])); mode = sys.argv[3]
assert len(rows) == (60 if mode == "off" else 39), len(rows)
seen = 0
for off, ctype, size, csum, alg, bucket, key in rows:
    k = off % 8
    if k in (0, 7):  # plain value; malformed envelope (no key): no metadata
        assert (ctype, size, csum, alg, bucket, key) == (None,) * 6, (off, ctype)
        continue
    assert bucket == "blobs" and key == "lfs/docs/%04d.bin" % off, (off, bucket, key)
    assert ctype == "application/octet-stream", (off, ctype)
    seen += 1
    if k in (5, 6):  # only in off mode: tampered and missing blobs, kept as values
        assert mode == "off", off
        continue
    blob = open(os.path.join(sys.argv[2], key), "rb").read()
    want = {1: ("sha256", hashlib.sha256(blob).hexdigest()), 2: ("md5", hashlib.md5(blob).hexdigest()),
            3: ("crc32", "%08x" % (zlib.crc32(blob) & 0xffffffff)), 4: ("sha256", hashlib.sha256(blob).hexdigest())}[k]
    assert (alg, csum) == want and size == len(blob), (off, alg, csum, size, len(blob))
assert seen == (45 if mode == "off" else 31), seen
print("lfs metadata columns (%s) ok for %d envelope records" % (mode, seen))
PY
done

# strict: the first invalid record in resolve mode is offset 4 (a blob
# over max_inline_size); offsets 0..3 are committed, nothing after.
W=$D/run-strict; mkdir -p "$W"
lfs_config "$W" resolve strict
set +e; "$BIN" --once -config="$W/config.yaml" 2> "$W/log"; rc=$?; set -e
[ $rc = 2 ] || { echo "strict: exit $rc, want 2"; cat "$W/log"; exit 1; }
grep -q 'msg="invalid record: partition stopped (on_invalid stop)" topic=docs partition=0 offset=4 ' "$W/log" ||
  { echo "strict: no stop line naming offset 4"; cat "$W/log"; exit 1; }
head -4 "$D/expected-resolve.jsonl" > "$W/expected-docs.jsonl"
check_table "$W" docs lfs.docs > "$W/check" || { echo "strict: table differs"; cat "$W/check"; exit 1; }
# a second run stops at the same place and adds nothing
set +e; "$BIN" --once -config="$W/config.yaml" 2> "$W/log2"; rc=$?; set -e
[ $rc = 2 ] || { echo "strict rerun: exit $rc"; exit 1; }
check_table "$W" docs lfs.docs > "$W/check" || { echo "strict rerun: table differs"; cat "$W/check"; exit 1; }
echo "strict: stopped at offset 4, 4 records committed"
echo "1 passed, 0 failed"
