// Runs one SQL query with DuckDB and prints its rows as one JSON array
// (BIGINT as numbers when exact, else as decimal text). For tests:
//   node duckdb-query.mjs "SELECT ... FROM read_parquet('dir/*.parquet')"
import { DuckDBInstance } from '@duckdb/node-api'
const con = await (await DuckDBInstance.create(':memory:')).connect()
const r = await con.runAndReadAll(process.argv[2])
const conv = v => typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : String(v)) : v
console.log(JSON.stringify(r.getRows().map(row => row.map(conv))))
