// Reads the typed columns of a table's Parquet data files with DuckDB (an
// independent reader) and compares them with tests/columns/typed_values.py's
// expectations; checks the Parquet field ids against the table metadata.
//   node columns-check.mjs DATA_DIR METADATA.json EXPECTED.json [FROM [TO]]
// Longs and timestamp micros are compared as decimal text (exact, no
// double detour), binary as hex, dates as days since 1970-01-01, nested
// columns as JSON. Only rows with FROM <= offset < TO are compared (runs
// before or after an evolution); offset - FROM is the value line number.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

const [dataDir, metaPath, expPath, fromArg, toArg] = process.argv.slice(2)
const from = Number(fromArg || 0)
const to = toArg ? Number(toArg) : Infinity
const meta = JSON.parse(readFileSync(metaPath, 'utf8'))
const exp = JSON.parse(readFileSync(expPath, 'utf8'))
let bad = 0
const fail = m => { if (bad++ < 20) console.error(m) }

const files = []
const walk = d => { for (const f of readdirSync(d)) { const p = join(d, f); if (statSync(p).isDirectory()) walk(p); else if (p.endsWith('.parquet')) files.push(p) } }
walk(dataDir)
if (!files.length) { console.error('no data files'); process.exit(1) }

// field ids: every (name, id) of the current schema, nested included
const schema = meta.schemas.find(s => s['schema-id'] === meta['current-schema-id'])
const want = []
const collect = (t) => {
  if (typeof t !== 'object') return
  if (t.type === 'struct') for (const f of t.fields) { want.push(`${f.name}:${f.id}`); collect(f.type) }
  if (t.type === 'list') { want.push(`element:${t['element-id']}`); collect(t.element) }
  if (t.type === 'map') { want.push(`key:${t['key-id']}`, `value:${t['value-id']}`); collect(t.key); collect(t.value) }
}
collect(schema)
want.sort()

const con = await (await DuckDBInstance.create(':memory:')).connect()
const q = s => s.replace(/'/g, "''")
for (const f of files) {
  const r = await con.runAndReadAll(`SELECT name, field_id FROM parquet_schema('${q(f)}') WHERE field_id IS NOT NULL`)
  const got = r.getRows().map(([n, id]) => `${n}:${id}`).sort()
  // older files may lack later columns: their ids must be a subset
  for (const g of got) if (!want.includes(g)) fail(`${f}: Parquet field ${g} not in the table schema`)
}
const list = '[' + files.map(f => `'${q(f)}'`).join(',') + ']'
const extra = Object.values(exp.rows).some(r => 'extra' in r)
const res = await con.runAndReadAll(`SELECT "offset", CAST(id AS VARCHAR), qty, price, ok, name, hex(blob),
  CAST(epoch_us(ts) AS VARCHAR), CAST(day - DATE '1970-01-01' AS INTEGER),
  CAST(to_json(addr) AS VARCHAR), CAST(to_json(tags) AS VARCHAR),
  CAST(to_json(CAST(attrs AS MAP(VARCHAR, VARCHAR))) AS VARCHAR), CAST(to_json(items) AS VARCHAR)${extra ? ', extra' : ''}
  FROM read_parquet(${list}, union_by_name = true) ORDER BY "offset"`)
const cols = ['id', 'qty', 'price', 'ok', 'name', 'blob', 'ts', 'day', 'addr', 'tags', 'attrs', 'items']
if (extra) cols.push('extra')
const json = new Set(['addr', 'tags', 'attrs', 'items'])
const norm = v => typeof v === 'bigint' ? Number(v) : v
let n = 0
const seen = new Set()
for (const row of res.getRows()) {
  const off = Number(row[0])
  if (off < from || off >= to) continue
  const i = (off - from) % exp.values
  const e = exp.rows[String(i)]
  n++
  if (!e) { fail(`offset ${off}: line ${i} should have been dropped`); continue }
  seen.add(i)
  cols.forEach((c, k) => {
    let g = norm(row[k + 1])
    if (json.has(c) && g != null) g = JSON.parse(g)
    if (JSON.stringify(g) !== JSON.stringify(e[c])) fail(`offset ${off} ${c}: got ${JSON.stringify(g)} want ${JSON.stringify(e[c])}`)
  })
}
for (const k of Object.keys(exp.rows)) if (!seen.has(Number(k))) fail(`line ${k}: no row`)
if (bad) { console.error(`${bad} mismatches`); process.exit(1) }
console.log(JSON.stringify({ files: files.length, rows: n, fields: want.length }))
