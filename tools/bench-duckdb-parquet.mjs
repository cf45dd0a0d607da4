// DuckDB as the peer of bench/bench_parquet: loads INPUT (a Parquet file of
// the benchmark rows) into a table, then times only
// `COPY t TO OUT (FORMAT parquet, COMPRESSION zstd)` with THREADS threads
// (default 1), best of ITERS. Prints "duckdb rows=N seconds=S file_bytes=N".
// Usage: node bench-duckdb-parquet.mjs INPUT OUT [ITERS] [THREADS]
import fs from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";

const [input, out, itersArg, threadsArg] = process.argv.slice(2);
const iters = Number(itersArg ?? 3);
const threads = Number(threadsArg ?? 1);
const q = (s) => s.replace(/'/g, "''");
const db = await DuckDBInstance.create(":memory:");
const con = await db.connect();
await con.run(`SET threads=${threads}`);
await con.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${q(input)}')`);
const rows = Number((await con.runAndReadAll("SELECT count(*) AS n FROM t")).getRowObjects()[0].n);
let best = Infinity;
for (let i = 0; i < iters; i++) {
  fs.rmSync(out, { force: true });
  const t0 = process.hrtime.bigint();
  await con.run(`COPY t TO '${q(out)}' (FORMAT parquet, COMPRESSION zstd)`);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (s < best) best = s;
}
console.log(`duckdb rows=${rows} seconds=${best.toFixed(6)} file_bytes=${fs.statSync(out).size}`);
