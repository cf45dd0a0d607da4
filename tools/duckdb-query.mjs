// Runs one SQL query with DuckDB and prints its rows as one JSON array
// (BIGINT as numbers when exact, else as decimal text). For tests:
//   node duckdb-query.mjs "SELECT ... FROM read_parquet('dir/*.parquet')"
// Further arguments are further queries (one process for several:
// node's start-up dominates a test's time), each printed on its own line.
import { DuckDBInstance } from '@duckdb/node-api'
const con = await (await DuckDBInstance.create(':memory:')).connect()
const conv = v => typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : String(v)) : v
for (const q of process.argv.slice(2)) {
  const r = await con.runAndReadAll(q)
  console.log(JSON.stringify(r.getRows().map(row => row.map(conv))))
}
