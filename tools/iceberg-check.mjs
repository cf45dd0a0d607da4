// Reads an Iceberg table with icebird (an independent reader: its own
// metadata, Avro manifest and Parquet code) and compares every row with
// the expected records.
//   node iceberg-check.mjs TABLE_URL METADATA_FILE_NAME EXPECTED.jsonl [--summary]
// TABLE_URL is file:///...; EXPECTED.jsonl holds one line per record:
//   {"topic":T,"partition":P,"offset":N,"timestamp":N,"key":B64|null,"value":B64|null}
// Exits 1 with the first differences on any mismatch, duplicate or loss.
import { readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { icebergRead, icebergMetadata } from 'icebird'

// icebird reads through fetch(); serve file:// URLs (HEAD, GET, Range) from
// disk so it can read a local warehouse exactly as it reads S3.
const realFetch = globalThis.fetch
globalThis.fetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? input : input.url
  if (!url.startsWith('file://')) return realFetch(input, init)
  const path = fileURLToPath(url)
  let size
  try { size = statSync(path).size } catch { return new Response('not found', { status: 404 }) }
  const method = (init.method || 'GET').toUpperCase()
  const headers = new Headers(init.headers || {})
  if (method === 'HEAD') return new Response(null, { status: 200, headers: { 'content-length': String(size) } })
  const data = readFileSync(path)
  const range = headers.get('range')
  if (range) {
    const m = /bytes=(\d+)-(\d*)/.exec(range)
    const start = Number(m[1]); const end = m[2] ? Number(m[2]) + 1 : size
    return new Response(data.subarray(start, end), { status: 206, headers: { 'content-length': String(end - start) } })
  }
  return new Response(data, { status: 200, headers: { 'content-length': String(size) } })
}

const [tableUrl, metadataFileName, expectedPath] = process.argv.slice(2)
const b64 = v => v == null ? null : Buffer.from(v).toString('base64')
const metadata = await icebergMetadata({ tableUrl, metadataFileName })
const rows = await icebergRead({ tableUrl, metadata, metadataFileName })
const fieldIds = metadata.schemas.find(s => s['schema-id'] === metadata['current-schema-id'])
  .fields.map(f => `${f.id}:${f.name}`).join(',')
const wantIds = '1:record_id,2:topic,3:partition,4:offset,5:timestamp_ms,6:key,7:value,8:headers'
let bad = 0
const fail = msg => { if (bad++ < 10) console.error(msg) }
if (!fieldIds.startsWith(wantIds)) fail(`schema field ids ${fieldIds}, expected ${wantIds}`)

const expected = new Map()
for (const line of readFileSync(expectedPath, 'utf8').split('\n')) {
  if (!line) continue
  const r = JSON.parse(line)
  expected.set(`${r.topic}:${r.partition}:${r.offset}`, r)
}
const seen = new Set()
for (const row of rows) {
  const id = row.record_id
  if (seen.has(id)) { fail(`duplicate record ${id}`); continue }
  seen.add(id)
  const e = expected.get(id)
  if (!e) { fail(`unexpected record ${id}`); continue }
  const got = { topic: row.topic, partition: Number(row.partition), offset: Number(row.offset),
    timestamp: Number(row.timestamp_ms), key: b64(row.key), value: b64(row.value) }
  for (const k of ['topic', 'partition', 'offset', 'timestamp', 'key', 'value'])
    if (got[k] !== e[k]) fail(`${id}: ${k} is ${JSON.stringify(got[k])}, expected ${JSON.stringify(e[k])}`)
  try { if (!Array.isArray(JSON.parse(row.headers))) fail(`${id}: headers is not a JSON array`) }
  catch { fail(`${id}: headers is not JSON: ${row.headers}`) }
}
for (const id of expected.keys()) if (!seen.has(id)) fail(`missing record ${id}`)
const snap = metadata.snapshots.find(s => s['snapshot-id'] === metadata['current-snapshot-id'])
console.log(JSON.stringify({ rows: rows.length, expected: expected.size, problems: bad,
  snapshots: metadata.snapshots.length, summary: snap ? snap.summary : null }))
process.exit(bad ? 1 : 0)
