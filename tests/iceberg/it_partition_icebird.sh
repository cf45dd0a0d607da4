#!/usr/bin/env bash
# icebird (an independent Iceberg reader: its own metadata, Avro and
# Parquet code) reads a partitioned table this module wrote
# (tests/iceberg/ice_table_gen.c): metadata created with the spec
# [day(ts), identity(name), bucket(4, id)] and one snapshot, a manifest
# whose entries carry their partition tuples, a manifest list with field
# summaries. Every row must come back, and the partition record icebird
# decodes from each manifest entry must hold the expected values (nulls
# absent, day as a date).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin_dir=$(cd "$(dirname "$1")" && pwd)
gen="$bin_dir/ice_table_gen"
[ -x "$gen" ] || { echo "it_partition_icebird: $gen not built"; exit 1; }
[ -d "$root/tools/node_modules/icebird" ] || { echo "it_partition_icebird: tools/node_modules missing (scripts/bootstrap)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/icp-ice-icebird.XXXXXX")
trap 'rm -rf "$work"' EXIT
file=$("$gen" "$work")

cat > "$work/check.mjs" <<'JS'
import { readFileSync, statSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
const [root, tableUrl, file] = process.argv.slice(2)
const icebird = await import(pathToFileURL(root + '/tools/node_modules/icebird/src/index.js').href)
// icebird reads through fetch(): serve file:// URLs from disk
globalThis.fetch = async (input, init = {}) => {
  const path = fileURLToPath(typeof input === 'string' ? input : input.url)
  let size
  try { size = statSync(path).size } catch { return new Response('not found', { status: 404 }) }
  if ((init.method || 'GET').toUpperCase() === 'HEAD')
    return new Response(null, { status: 200, headers: { 'content-length': String(size) } })
  const data = readFileSync(path)
  const range = new Headers(init.headers || {}).get('range')
  if (range) {
    const m = /bytes=(\d+)-(\d*)/.exec(range)
    const start = Number(m[1]); const end = m[2] ? Number(m[2]) + 1 : size
    return new Response(data.subarray(start, end), { status: 206 })
  }
  return new Response(data, { status: 200 })
}
const show = v => JSON.stringify(v, (k, x) => typeof x === 'bigint' ? x.toString() : x)
let bad = 0
const expect = (what, got, want) => {
  if (show(got) !== show(want)) { bad++; console.error(`${what}: got ${show(got)}, want ${show(want)}`) }
}
const metadata = await icebird.icebergMetadata({ tableUrl, metadataFileName: file })
expect('default spec', metadata['default-spec-id'], 0)
expect('spec fields', metadata['partition-specs'][0].fields.map(f => [f.name, f.transform, f['field-id']]),
  [['ts_day', 'day', 1000], ['name', 'identity', 1001], ['id_bucket', 'bucket[4]', 1002]])
const rows = await icebird.icebergRead({ tableUrl, metadata, metadataFileName: file })
expect('rows', rows.map(r => [String(r.id), r.name, r.ts == null ? null : r.ts.toISOString()]), [
  ['1', 'x', '2022-01-08T01:00:00.000Z'], ['1', 'x', '2022-01-08T02:00:00.000Z'],
  ['2', null, '2022-01-09T00:00:00.000Z'], ['2', null, '2022-01-09T00:00:00.000Z'],
  ['3', 'y z', null], ['3', 'y z', null]])
const manifests = await icebird.icebergManifests(metadata)
expect('manifests', manifests.length, 1)
const parts = manifests[0].entries.map(e => {
  const p = e.data_file.partition
  return [e.data_file.file_path.split('/data/')[1],
    p.ts_day === undefined ? null : p.ts_day.toISOString().slice(0, 10), p.name ?? null, p.id_bucket]
})
expect('partitions', parts, [
  ['ts_day=2022-01-08/name=x/id_bucket=0/f0.parquet', '2022-01-08', 'x', 0],
  ['ts_day=2022-01-09/name=null/id_bucket=0/f1.parquet', '2022-01-09', null, 0],
  ['ts_day=null/name=y+z/id_bucket=3/f2.parquet', null, 'y z', 3]])
if (bad) process.exit(1)
console.log('icebird read the partitioned table: rows and partition tuples ok')
JS
node "$work/check.mjs" "$root" "file://$work/t" "$file"
