// Shows an Iceberg table to a person: current snapshot summary, schema
// (with field ids), row count and a sample of rows. Metadata and manifests
// are read with icebird, the data files with DuckDB.
//   node show-table.mjs TABLE_URL METADATA_FILE_NAME
import { readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { icebergMetadata, icebergManifests } from 'icebird'
import { DuckDBInstance } from '@duckdb/node-api'

const realFetch = globalThis.fetch
globalThis.fetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? input : input.url
  if (!url.startsWith('file://')) return realFetch(input, init)
  const path = fileURLToPath(url)
  try { statSync(path) } catch { return new Response('not found', { status: 404 }) }
  return new Response(readFileSync(path), { status: 200 })
}

const [tableUrl, metadataFileName] = process.argv.slice(2)
const metadata = await icebergMetadata({ tableUrl, metadataFileName })
const snap = metadata.snapshots.find(s => s['snapshot-id'] === metadata['current-snapshot-id'])
console.log(`table ${tableUrl}`)
console.log(`  format v${metadata['format-version']}, ${metadata.snapshots.length} snapshot(s), uuid ${metadata['table-uuid']}`)
if (snap) {
  console.log(`  current snapshot ${snap['snapshot-id']} (sequence ${snap['sequence-number']}):`)
  for (const [k, v] of Object.entries(snap.summary)) console.log(`    ${k} = ${v}`)
}
const schema = metadata.schemas.find(s => s['schema-id'] === metadata['current-schema-id'])
console.log('  schema: ' + schema.fields.map(f => `${f.id}:${f.name} ${f.type}${f.required ? '' : '?'}`).join(', '))
const spec = (metadata['partition-specs'] || []).find(s => s['spec-id'] === metadata['default-spec-id'])
console.log('  partition spec ' + (spec ? spec['spec-id'] : 0) + ': ' +
  (spec && spec.fields.length ? spec.fields.map(f => `${f.name}=${f.transform}(${schema.fields.find(c => c.id === f['source-id'])?.name})`).join(', ') : 'unpartitioned'))
const manifests = await icebergManifests(metadata)
const files = manifests.flatMap(m => m.entries).filter(e => e.status !== 2)
  .map(e => fileURLToPath(e.data_file.file_path))
if (!files.length) { console.log('  (no data files)'); process.exit(0) }
const db = await DuckDBInstance.create(':memory:')
const con = await db.connect()
const list = '[' + files.map(f => `'${f.replace(/'/g, "''")}'`).join(',') + ']'
const count = await con.runAndReadAll(`SELECT count(*) AS n, count(DISTINCT record_id) AS d FROM read_parquet(${list})`)
const [n, d] = count.getRows()[0]
console.log(`  ${files.length} data file(s), ${n} rows, ${d} distinct record_id`)
const per = await con.runAndReadAll(`SELECT partition, count(*), min("offset"), max("offset") FROM read_parquet(${list}) GROUP BY 1 ORDER BY 1`)
for (const r of per.getRows()) console.log(`    partition ${r[0]}: ${r[1]} rows, offsets ${r[2]}..${r[3]}`)
const sample = await con.runAndReadAll(`SELECT record_id, timestamp_ms, decode(key) AS key, left(decode(value), 70) AS value, headers FROM read_parquet(${list}) ORDER BY "offset" LIMIT 3`)
for (const r of sample.getRows()) console.log('    ' + JSON.stringify(r.map(v => typeof v === 'bigint' ? Number(v) : v)))
