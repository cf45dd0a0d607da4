// Reads an Iceberg table with icebird (an independent reader: its own
// metadata, Avro manifest and Parquet code) and compares every row with
// the expected records.
//   node iceberg-check.mjs TABLE_URL METADATA_FILE_NAME EXPECTED.jsonl [--summary]
// TABLE_URL is file:///...; EXPECTED.jsonl holds one line per record:
//   {"topic":T,"partition":P,"offset":N,"timestamp":N,"key":B64|null,"value":B64|null}
// Exits 1 with the first differences on any mismatch, duplicate or loss.
import { readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { icebergRead, icebergMetadata, icebergManifests } from 'icebird'
import { DuckDBInstance } from '@duckdb/node-api'

// icebird reads through fetch(); serve file:// URLs (HEAD, GET, Range) from
// disk so it can read a local warehouse exactly as it reads S3.
// With ICEBERG_CHECK_S3_ROOT=/dir, s3://bucket/key is read from
// /dir/bucket/key: an S3 warehouse downloaded by the test, read in place
// with the paths the table's metadata holds.
const s3Root = process.env.ICEBERG_CHECK_S3_ROOT
// (icebird itself turns s3://b/k into https://b.s3.amazonaws.com/k)
const local = u => {
  if (!s3Root) return u
  if (u.startsWith('s3://')) return 'file://' + s3Root + '/' + u.slice(5)
  const m = /^https:\/\/([^./]+)\.s3\.amazonaws\.com\/(.*)$/.exec(u)
  return m ? 'file://' + s3Root + '/' + m[1] + '/' + decodeURIComponent(m[2]) : u
}
const realFetch = globalThis.fetch
globalThis.fetch = async (input, init = {}) => {
  const url = local(typeof input === 'string' ? input : input.url)
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
  let e = expected.get(id)
  if (!e) { fail(`unexpected record ${id}`); continue }
  // hyparquet (icebird's Parquet reader) decodes every BYTE_ARRAY as UTF-8
  // by default, so binary columns arrive as strings: compare them under the
  // same decoding here; the exact bytes are checked with DuckDB below.
  const asRead = v => v == null ? null : Buffer.from(v, 'base64').toString('utf8')
  const got = { topic: row.topic, partition: Number(row.partition), offset: Number(row.offset),
    timestamp: Number(row.timestamp_ms),
    key: typeof row.key === 'string' ? row.key : b64(row.key) == null ? null : asRead(b64(row.key)),
    value: typeof row.value === 'string' ? row.value : b64(row.value) == null ? null : asRead(b64(row.value)) }
  e = { ...e, key: asRead(e.key), value: asRead(e.value) }
  for (const k of ['topic', 'partition', 'offset', 'timestamp', 'key', 'value'])
    if (got[k] !== e[k]) fail(`${id}: ${k} is ${JSON.stringify(got[k])}, expected ${JSON.stringify(e[k])}`)
  let hs
  try { hs = JSON.parse(row.headers) } catch { fail(`${id}: headers is not JSON: ${row.headers}`) }
  if (!Array.isArray(hs)) fail(`${id}: headers is not a JSON array`)
  else if (e.headers) {
    // lossless: text fields are the UTF-8 bytes, *_base64 fields the raw bytes
    const bytes = (h, f) => h[f] === null ? null
      : h[f] !== undefined ? Buffer.from(h[f], 'utf8').toString('base64')
      : h[f + '_base64'] !== undefined ? h[f + '_base64'] : undefined
    const got = hs.map(h => ({ key: bytes(h, 'key'), value: bytes(h, 'value') }))
    const want = e.headers.map(h => ({ key: Buffer.from(h.key, 'utf8').toString('base64'), value: h.value }))
    if (JSON.stringify(got) !== JSON.stringify(want))
      fail(`${id}: headers ${JSON.stringify(got)} != ${JSON.stringify(want)}`)
  }
}
for (const id of expected.keys()) if (!seen.has(id)) fail(`missing record ${id}`)
// Exact bytes of key and value: DuckDB over the data files the manifests list.
const manifests = await icebergManifests(metadata)
const files = manifests.flatMap(m => m.entries).filter(x => x.status !== 2)
  .map(x => fileURLToPath(local(x.data_file.file_path)))
if (files.length) {
  const con = await (await DuckDBInstance.create(':memory:')).connect()
  const list = '[' + files.map(f => `'${f.replace(/'/g, "''")}'`).join(',') + ']'
  const res = await con.runAndReadAll(`SELECT record_id, base64(key), base64(value) FROM read_parquet(${list})`)
  for (const [id, k, v] of res.getRows()) {
    const x = expected.get(id)
    if (!x) continue
    if (k !== x.key) fail(`${id}: key bytes (DuckDB) ${k} != ${x.key}`)
    if (v !== x.value) fail(`${id}: value bytes (DuckDB) ${v} != ${x.value}`)
  }
}
const snap = metadata.snapshots.find(s => s['snapshot-id'] === metadata['current-snapshot-id'])
console.log(JSON.stringify({ rows: rows.length, expected: expected.size, problems: bad,
  snapshots: metadata.snapshots.length, summary: snap ? snap.summary : null }))
process.exit(bad ? 1 : 0)
